#include "storage/s3_errors.hpp"

#include "storage/s3_xml.hpp"

namespace htut::storage {
namespace {

bool is_credentials_problem(std::string_view code) {
  return code == "AccessDenied" || code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
         code == "AuthorizationHeaderMalformed" || code == "InvalidToken" || code == "ExpiredToken" ||
         code == "TokenRefreshRequired" || code == "AuthorizationQueryParametersError" || code == "InvalidSecurity" ||
         code == "MissingSecurityHeader";
}

const char* reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "error";
  }
}

}  // namespace

std::string one_line(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? ' ' : c);
  }
  return out;
}

bool is_retryable_status(long status, std::string_view body) {
  if (status >= 500) return true;
  auto parsed = xml::parse_error(body);
  return parsed && (parsed->code == "SlowDown" || parsed->code == "InternalError");
}

Error s3_error(std::string_view what, long status, std::string_view body) {
  auto parsed = xml::parse_error(body);
  std::string code = parsed ? parsed->code : "";
  std::string detail = std::to_string(status);
  if (code.empty()) detail.append(" ").append(reason_phrase(status));  // e.g. HEAD: no body
  if (!code.empty()) detail.append(" ").append(one_line(code, 64));
  if (parsed && !parsed->message.empty()) detail.append(": ").append(one_line(parsed->message, 200));
  std::string msg = "S3 " + one_line(what, 200) + " failed: " + detail;

  if (code == "RequestTimeTooSkewed") return make_error(Error::Kind::forbidden, msg + " - check this machine's clock");
  if (status == 401 || status == 403 || is_credentials_problem(code))
    return make_error(Error::Kind::forbidden, msg + " - check S3_KEY/S3_SECRET/S3_REGION");
  if (code == "NoSuchBucket") return make_error(Error::Kind::not_found, msg + " - check S3_BUCKET");
  if (status == 404 || code == "NoSuchKey" || code == "NoSuchUpload") return make_error(Error::Kind::not_found, msg);
  if (status >= 500 || code == "SlowDown") return make_error(Error::Kind::unavailable, msg);
  if (code == "KeyTooLongError" || code == "InvalidArgument" || code == "InvalidObjectName")
    return make_error(Error::Kind::invalid, msg);
  if (status == 400 && code == "EntityTooLarge") return make_error(Error::Kind::too_large, msg);
  return make_error(Error::Kind::internal, msg);
}

}  // namespace htut::storage

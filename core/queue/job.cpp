#include "queue/job.hpp"

#include <boost/json.hpp>
#include <cctype>

namespace htut::queue {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

Error invalid(std::string why) { return make_error(Error::Kind::invalid, "invalid job message: " + std::move(why)); }

}  // namespace

bool is_rfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60)
    return false;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return true;
  int off_hour, off_minute;
  return (s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && digits(s, pos + 1, 2, off_hour) &&
         s[pos + 3] == ':' && digits(s, pos + 4, 2, off_minute) && off_hour <= 23 && off_minute <= 59;
}

std::string job_to_json(const Job& job) {
  boost::json::object o;
  o["document_slug"] = job.document_slug;
  o["time_uploaded"] = job.time_uploaded;
  o["s3_key"] = job.s3_key;
  return boost::json::serialize(o);
}

Result<Job> parse_job(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
  if (ec) return invalid("not JSON (" + ec.message() + ")");
  const auto* object = v.if_object();
  if (object == nullptr) return invalid("expected a JSON object");

  Job job;
  for (auto [name, field] : {std::pair{"document_slug", &job.document_slug},
                             std::pair{"time_uploaded", &job.time_uploaded}, std::pair{"s3_key", &job.s3_key}}) {
    const auto* value = object->if_contains(name);
    if (value == nullptr) return invalid(std::string("missing field ") + name);
    const auto* text = value->if_string();
    if (text == nullptr) return invalid(std::string("field ") + name + " must be a string");
    if (text->empty()) return invalid(std::string("field ") + name + " is empty");
    *field = std::string(text->data(), text->size());
  }
  if (!is_rfc3339(job.time_uploaded))
    return invalid("time_uploaded '" + job.time_uploaded + "' is not an RFC 3339 date-time");
  return job;
}

}  // namespace htut::queue

#include "http/multipart.hpp"

#include <algorithm>
#include <cstring>

#include "http/header_params.hpp"
#include "http/part_headers.hpp"

namespace htut::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHeaderEnd = "\r\n\r\n";
constexpr std::size_t kMaxPadding = 64;  // spaces/tabs allowed after a boundary (RFC 2046 LWSP)

Error invalid(std::string message) { return make_error(Error::Kind::invalid, std::move(message)); }

std::string describe_bytes(std::size_t n) {
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " bytes";
}

}  // namespace

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits, Handler handler)
    : delimiter_("\r\n--" + boundary), limits_(limits), handler_(std::move(handler)) {
  // RFC 2046 lets the first delimiter start the body without a CRLF before
  // it; a virtual CRLF in front lets one search find every delimiter.
  pending_ = kCrlf;
}

Status MultipartParser::fail(Error error) {
  error_ = error;
  pending_.clear();
  pending_.shrink_to_fit();
  return error;
}

Status MultipartParser::feed(std::string_view chunk) {
  if (error_) return *error_;
  if (state_ == State::epilogue) return ok_status();  // the epilogue is ignored
  const bool from_pending = !pending_.empty();
  if (from_pending) pending_.append(chunk);
  const std::string_view input = from_pending ? std::string_view(pending_) : chunk;
  auto used = run(input);
  if (!used) return fail(used.error());
  if (from_pending) {
    pending_.erase(0, *used);
  } else {
    pending_.assign(input.substr(*used));
  }
  return ok_status();
}

Status MultipartParser::finish() {
  if (error_) return *error_;
  if (state_ != State::epilogue) return fail(invalid("truncated multipart body: the closing boundary was not found"));
  return ok_status();
}

Result<std::size_t> MultipartParser::run(std::string_view input) {
  std::size_t used = 0;
  while (used < input.size()) {
    if (state_ == State::epilogue) return input.size();
    const std::string_view rest = input.substr(used);
    Result<std::size_t> step = std::size_t{0};
    switch (state_) {
      case State::preamble:
        step = step_preamble(rest);
        break;
      case State::after_delimiter:
        step = step_after_delimiter(rest);
        break;
      case State::headers:
        step = step_headers(rest);
        break;
      case State::body:
        step = step_body(rest);
        break;
      case State::epilogue:
        break;
    }
    if (!step) return step.error();
    if (*step == 0) break;  // needs more input
    used += *step;
  }
  return used;
}

Result<std::size_t> MultipartParser::step_preamble(std::string_view input) {
  const std::size_t at = input.find(delimiter_);
  if (at != std::string_view::npos) {
    state_ = State::after_delimiter;
    padding_ = 0;
    return at + delimiter_.size();
  }
  // Discard the preamble but keep what could be the start of a delimiter.
  const std::size_t keep = std::min(input.size(), delimiter_.size() - 1);
  return input.size() - keep;
}

Result<std::size_t> MultipartParser::step_after_delimiter(std::string_view input) {
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (c == ' ' || c == '\t') {
      if (++padding_ > kMaxPadding) return invalid("too much white space after a multipart boundary");
      continue;
    }
    if (c == '-' && padding_ == 0) {
      if (i + 1 >= input.size()) return i;
      if (input[i + 1] != '-') break;
      state_ = State::epilogue;
      return i + 2;
    }
    if (c == '\r') {
      if (i + 1 >= input.size()) return i;
      if (input[i + 1] != '\n') break;
      if (++parts_ > limits_.max_parts)
        return invalid("too many parts (at most " + std::to_string(limits_.max_parts) + ")");
      state_ = State::headers;
      header_scanned_ = 0;
      return i + 2;
    }
    if (c == '\n') return invalid("a multipart boundary line must end with CRLF, not a bare LF");
    break;
  }
  if (padding_ > 0 && input.find_first_not_of(" \t") == std::string_view::npos) return input.size();
  return invalid("unexpected bytes after a multipart boundary (the boundary must not appear inside a part)");
}

Result<std::size_t> MultipartParser::step_headers(std::string_view input) {
  std::size_t end = std::string_view::npos;  // where the header lines end
  std::size_t consumed = 0;
  if (input.substr(0, 2) == kCrlf) {
    end = 0, consumed = 2;  // no header lines at all
  } else {
    const std::size_t from = header_scanned_ >= 3 ? header_scanned_ - 3 : 0;
    const std::size_t at = input.find(kHeaderEnd, from);
    if (at != std::string_view::npos) end = at, consumed = at + kHeaderEnd.size();
  }
  if (end == std::string_view::npos) {
    header_scanned_ = input.size();
    // The block will be at least one byte longer than what is here.
    if (input.size() >= limits_.max_header_bytes)
      return make_error(Error::Kind::invalid, "part headers exceed " + describe_bytes(limits_.max_header_bytes));
    return std::size_t{0};
  }
  if (consumed > limits_.max_header_bytes)
    return make_error(Error::Kind::invalid, "part headers exceed " + describe_bytes(limits_.max_header_bytes));
  auto headers = parse_part_headers(input.substr(0, end));
  if (!headers) return headers.error();
  current_ = std::move(*headers);
  field_bytes_ = 0;
  state_ = State::body;
  if (handler_.on_part_begin)
    if (auto st = handler_.on_part_begin(current_); !st) return st.error();
  return consumed;
}

Result<std::size_t> MultipartParser::step_body(std::string_view input) {
  const std::size_t at = input.find(delimiter_);
  if (at != std::string_view::npos) {
    if (auto st = emit_data(input.substr(0, at)); !st) return st.error();
    state_ = State::after_delimiter;
    padding_ = 0;
    if (handler_.on_part_end)
      if (auto st = handler_.on_part_end(); !st) return st.error();
    return at + delimiter_.size();
  }
  // Hold back only a tail that could be the start of a delimiter split
  // across chunks; everything before it is certainly part data.
  std::size_t safe = input.size();
  const std::size_t window = std::min(input.size(), delimiter_.size() - 1);
  for (std::size_t i = input.size() - window; i < input.size(); ++i) {
    if (input[i] == '\r' && delimiter_.compare(0, input.size() - i, input.substr(i)) == 0) {
      safe = i;
      break;
    }
  }
  if (auto st = emit_data(input.substr(0, safe)); !st) return st.error();
  return safe;
}

Status MultipartParser::emit_data(std::string_view data) {
  if (data.empty()) return ok_status();
  if (!current_.filename) {
    field_bytes_ += data.size();
    if (field_bytes_ > limits_.max_field_bytes)
      return make_error(Error::Kind::invalid, "form field \"" + current_.name + "\" is larger than " +
                                                    describe_bytes(limits_.max_field_bytes));
  }
  if (handler_.on_part_data) return handler_.on_part_data(data);
  return ok_status();
}

namespace {

bool is_bchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("'()+_,-./:=? ", c) != nullptr;
}

}  // namespace

std::optional<std::string> boundary_from_content_type(std::string_view content_type) {
  const auto parsed = parse_header_value(content_type);
  if (!parsed || parsed->value != "multipart/form-data") return std::nullopt;
  const std::string* boundary = parsed->param("boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ') return std::nullopt;
  for (char c : *boundary)
    if (!is_bchar(c)) return std::nullopt;
  return *boundary;
}

}  // namespace htut::http

#pragma once
// A streaming multipart/form-data parser (RFC 7578, RFC 2046). It is fed the
// request body in chunks of any size (one byte at a time works) and reports
// parts through callbacks, holding back at most a boundary's length of body
// bytes, so a part is never buffered whole.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace htut::http {

struct MultipartLimits {
  std::size_t max_parts = 16;
  std::size_t max_header_bytes = 8192;      // per part, including the blank line ending them
  std::size_t max_field_bytes = 64 * 1024;  // per non-file part (no filename)
};

struct PartHeaders {
  std::string name;                     // Content-Disposition name (never empty)
  std::optional<std::string> filename;  // present for file parts; "" when a browser sends no file
  std::string content_type;             // as sent; "" when absent (RFC 7578 default: text/plain)
};

class MultipartParser {
 public:
  // Callbacks; any may be empty. Returning an Error aborts parsing with it.
  struct Handler {
    std::function<Status(const PartHeaders&)> on_part_begin;
    std::function<Status(std::string_view data)> on_part_data;  // never empty; in order, in pieces
    std::function<Status()> on_part_end;
  };

  MultipartParser(std::string boundary, MultipartLimits limits, Handler handler);

  // Error::Kind::invalid on malformed input and on exceeded limits (the
  // interface makes too many parts / too large part headers a 400, not a
  // 413), or the handler's error unchanged (e.g. its own too_large for the
  // file size). After an error every call returns it.
  Status feed(std::string_view chunk);
  // End of the body: an error unless the closing boundary was seen.
  Status finish();

  // True once the closing delimiter has been read (anything after it is ignored).
  bool done() const { return state_ == State::epilogue; }

 private:
  enum class State { preamble, after_delimiter, headers, body, epilogue };

  // Processes input from the front; returns how many bytes were used.
  Result<std::size_t> run(std::string_view input);
  Result<std::size_t> step_preamble(std::string_view input);
  Result<std::size_t> step_after_delimiter(std::string_view input);
  Result<std::size_t> step_headers(std::string_view input);
  Result<std::size_t> step_body(std::string_view input);
  Status emit_data(std::string_view data);
  Status fail(Error error);

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartLimits limits_;
  Handler handler_;
  State state_ = State::preamble;
  std::string pending_;             // unconsumed bytes carried to the next feed (bounded)
  std::size_t header_scanned_ = 0;  // how far the header block was searched for CRLFCRLF
  std::size_t padding_ = 0;         // transport padding seen after a delimiter
  std::size_t parts_ = 0;
  std::size_t field_bytes_ = 0;
  PartHeaders current_;
  std::optional<Error> error_;
};

// The boundary of a `multipart/form-data; boundary=...` Content-Type (quoted
// or not, 1-70 characters of RFC 2046 bchars, not ending in a space); nullopt
// for another media type or a missing or invalid boundary.
std::optional<std::string> boundary_from_content_type(std::string_view content_type);

}  // namespace htut::http

// Fuzz target: the streaming multipart/form-data parser.
// Input: first line = Content-Type (or the raw boundary), the rest = the body.
// Invariants: feeding the body in one piece, in random pieces and one byte at
// a time gives the same events and the same final status; the parser never
// holds back more than a delimiter's length of part data; limits hold.
#include <algorithm>
#include <cstring>

#include "fuzz_target.hpp"
#include "fuzz_util.hpp"
#include "http/multipart.hpp"

namespace {

using htut::fuzz::show;

constexpr htut::http::MultipartLimits kLimits{4, 256, 512};  // small, so fuzzing reaches every limit

struct Outcome {
  std::vector<std::string> events;  // "B<name>|<filename>|<type>", "D<data>" (merged), "E"
  std::string status;               // "ok" or "error <kind>: <message>"
};

std::string describe(const htut::Status& st) {
  if (st) return "ok";
  return "error " + std::to_string(static_cast<int>(st.error().kind)) + ": " + st.error().message;
}

// Runs the parser over `pieces`, recording events and checking the
// per-callback invariants on the way.
Outcome parse(const std::string& boundary, const std::vector<std::string_view>& pieces, bool check_holdback) {
  Outcome out;
  bool in_part = false;
  bool is_file = false;
  std::size_t parts = 0, fed = 0, fed_at_begin = 0, part_data = 0;
  htut::http::MultipartParser::Handler handler;
  handler.on_part_begin = [&](const htut::http::PartHeaders& h) -> htut::Status {
    HTUT_FUZZ_CHECK(!in_part, "part begins inside a part");
    HTUT_FUZZ_CHECK(!h.name.empty(), "a part without a name");
    HTUT_FUZZ_CHECK(++parts <= kLimits.max_parts, "more parts than max_parts");
    in_part = true;
    is_file = h.filename.has_value();
    fed_at_begin = fed;
    part_data = 0;
    std::string event(1, 'B');
    event.append(h.name).append("|").append(h.filename ? "f:" + *h.filename : "-").append("|").append(h.content_type);
    out.events.push_back(std::move(event));
    return htut::ok_status();
  };
  handler.on_part_data = [&](std::string_view d) -> htut::Status {
    HTUT_FUZZ_CHECK(in_part, "data outside a part");
    HTUT_FUZZ_CHECK(!d.empty(), "an empty data callback");
    part_data += d.size();
    HTUT_FUZZ_CHECK(is_file || part_data <= kLimits.max_field_bytes, "a field larger than max_field_bytes");
    if (!out.events.empty() && out.events.back()[0] == 'D') {
      out.events.back().append(d);
    } else {
      out.events.emplace_back(1, 'D').append(d);  // (not "D" + string: GCC 12 -Wrestrict false positive)
    }
    return htut::ok_status();
  };
  handler.on_part_end = [&]() -> htut::Status {
    HTUT_FUZZ_CHECK(in_part, "part end without a begin");
    in_part = false;
    out.events.push_back("E");
    return htut::ok_status();
  };

  htut::http::MultipartParser parser(boundary, kLimits, handler);
  htut::Status st = htut::ok_status();
  for (std::string_view piece : pieces) {
    fed += piece.size();
    st = parser.feed(piece);
    if (!st) break;
    if (check_holdback && in_part) {
      // Bounded memory: only a possible delimiter prefix ("\r\n--" + boundary, less one byte) waits.
      const std::size_t held = fed - fed_at_begin - part_data;
      HTUT_FUZZ_CHECK(held <= boundary.size() + 3, "held back " + std::to_string(held) + " bytes of part data");
    }
  }
  if (st) {
    st = parser.finish();
    HTUT_FUZZ_CHECK(static_cast<bool>(st) == parser.done(), "finish() ok but not done(), or the reverse");
  }
  out.status = describe(st);
  if (!st) {
    // Errors are sticky.
    HTUT_FUZZ_CHECK(describe(parser.feed("x")) == out.status, "feed after an error did not repeat it");
    HTUT_FUZZ_CHECK(describe(parser.finish()) == out.status, "finish after an error did not repeat it");
  }
  return out;
}

std::string dump(const Outcome& o) {
  std::string s = o.status + " |";
  for (const auto& e : o.events) s.append(1, ' ').append(show(e, 60));
  return s;
}

// On success the events must match exactly. On an error, the data delivered
// before it may differ by the piece that was still being checked (a field
// over its limit is refused as a whole in one piece but byte by byte only
// its last byte is refused), so the last data run need only be a prefix.
void check_same(const Outcome& a, const Outcome& b, const char* what) {
  HTUT_FUZZ_CHECK(a.status == b.status, std::string(what) + ": " + dump(a) + " vs " + dump(b));
  if (a.status == "ok") {
    HTUT_FUZZ_CHECK(a.events == b.events, std::string(what) + ": " + dump(a) + " vs " + dump(b));
    return;
  }
  auto strip = [](std::vector<std::string> ev, std::string& tail) {
    if (!ev.empty() && ev.back()[0] == 'D') tail = ev.back().substr(1), ev.pop_back();
    return ev;
  };
  std::string ta, tb;
  const auto ea = strip(a.events, ta), eb = strip(b.events, tb);
  const std::string& shorter = ta.size() < tb.size() ? ta : tb;
  const std::string& longer = ta.size() < tb.size() ? tb : ta;
  HTUT_FUZZ_CHECK(ea == eb && longer.compare(0, shorter.size(), shorter) == 0,
                  std::string(what) + ": " + dump(a) + " vs " + dump(b));
}

}  // namespace

HTUT_FUZZ_TARGET(multipart) {
  const std::string_view input = htut::fuzz::as_text(data, size);
  const auto [first_line, body] = htut::fuzz::split_line(input);

  const auto from_header = htut::http::boundary_from_content_type(first_line);
  if (from_header) {
    HTUT_FUZZ_CHECK(!from_header->empty() && from_header->size() <= 70 && from_header->back() != ' ',
                    "boundary_from_content_type accepted " + show(*from_header));
    HTUT_FUZZ_CHECK(from_header->find_first_of(std::string_view("\r\n\0\"", 4)) == std::string::npos,
                    "boundary with a forbidden byte: " + show(*from_header));
  }
  std::string boundary = from_header ? *from_header : std::string(first_line.substr(0, 70));
  if (boundary.empty()) boundary.push_back('b');

  htut::fuzz::Rng rng(input);
  const Outcome whole = parse(boundary, {body}, false);
  const Outcome random = parse(boundary, htut::fuzz::random_pieces(body, rng, 64), false);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < body.size(); ++i) bytes.push_back(body.substr(i, 1));
  const Outcome bytewise = parse(boundary, bytes, true);
  check_same(whole, random, "one piece vs random pieces");
  check_same(whole, bytewise, "one piece vs byte by byte");
  return 0;
}

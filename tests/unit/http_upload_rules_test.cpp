#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "http/upload_rules.hpp"

using namespace htut;
using namespace htut::http;

namespace {
std::string error_of(std::string_view raw) {
  auto r = validate_document_name(raw);
  if (r) return "(ok: " + *r + ")";
  CHECK(r.error().kind == Error::Kind::invalid);
  return r.error().message;
}
}  // namespace

TEST_CASE("document name: trimmed and returned") {
  CHECK(*validate_document_name("Moby Dick") == "Moby Dick");
  CHECK(*validate_document_name("  Moby  Dick \t\r\n") == "Moby  Dick");
  CHECK(*validate_document_name("\xE3\x80\x80Tokyo\xC2\xA0") == "Tokyo");  // U+3000, U+00A0
  CHECK(*validate_document_name("\xE2\x80\xAFx\xE2\x80\x8A") == "x");      // U+202F, U+200A
  CHECK(*validate_document_name("\x1Cx\x1F") == "x");                      // U+001C..U+001F are white space
  CHECK(*validate_document_name("Crème Brûlée") == "Crème Brûlée");
  CHECK(*validate_document_name("abc\u202Etxt") == "abc\u202Etxt");  // format characters allowed
  CHECK(*validate_document_name("\u200Bx") == "\u200Bx");            // U+200B is Cf, not white space
  CHECK(*validate_document_name("🐳") == "🐳");
}

TEST_CASE("document name: required") {
  CHECK(error_of("") == "document name is required");
  CHECK(error_of("   ") == "document name is required");
  CHECK(error_of("\t\n\r\x0B\x0C \xC2\x85\xE3\x80\x80") == "document name is required");
}

TEST_CASE("document name: at most 200 characters, counted in code points") {
  CHECK(validate_document_name(std::string(200, 'a')));
  CHECK(error_of(std::string(201, 'a')) == "document name is longer than 200 characters");
  std::string whales;
  for (int i = 0; i < 200; ++i) whales += "🐳";  // 800 bytes, 200 characters
  CHECK(validate_document_name(whales));
  CHECK(error_of(whales + "🐳") == "document name is longer than 200 characters");
  CHECK(validate_document_name("  " + std::string(200, 'a') + "  "));  // trimming comes first
}

TEST_CASE("document name: control characters and invalid UTF-8") {
  CHECK(error_of("a\tb") == "document name contains a control character");
  CHECK(error_of("a\nb") == "document name contains a control character");
  CHECK(error_of(std::string("a\0b", 3)) == "document name contains a control character");
  CHECK(error_of("a\x7F") == "document name contains a control character");
  CHECK(error_of("a\xC2\x80") == "document name contains a control character");  // U+0080 is Cc
  CHECK(error_of("a\xC3") == "document name is not valid UTF-8");
  CHECK(error_of("\xC0\xAF") == "document name is not valid UTF-8");          // overlong '/'
  CHECK(error_of("\xED\xA0\x80") == "document name is not valid UTF-8");      // surrogate
  CHECK(error_of("\xF4\x90\x80\x80") == "document name is not valid UTF-8");  // above U+10FFFF
  CHECK(error_of("\xFF") == "document name is not valid UTF-8");
}

TEST_CASE("storage extension") {
  CHECK(storage_extension("moby.txt") == ".txt");
  CHECK(storage_extension("Moby.TXT") == ".txt");
  CHECK(storage_extension("a.tar.gz") == ".gz");
  CHECK(storage_extension("C:\\Users\\me\\notes.Md") == ".md");
  CHECK(storage_extension("/etc/passwd") == "");
  CHECK(storage_extension("../../x.sh") == ".sh");
  CHECK(storage_extension("dir.d/README") == "");
  CHECK(storage_extension("README") == "");
  CHECK(storage_extension(".bashrc") == "");
  CHECK(storage_extension("..") == "");
  CHECK(storage_extension("name.") == "");
  CHECK(storage_extension("") == "");
  CHECK(storage_extension("x.abcdefghij") == ".abcdefghij");
  CHECK(storage_extension("x.abcdefghijk") == "");
  CHECK(storage_extension("x.t-t") == "");
  CHECK(storage_extension("x.tx t") == "");
  CHECK(storage_extension("x.t\xC3\xA9") == "");
  CHECK(storage_extension("x.txt\"><script>") == "");
  CHECK(storage_extension("x.txt/") == "");
  CHECK(storage_extension("x.7z") == ".7z");
}

TEST_CASE("storage key and UUIDs") {
  const std::string uuid = new_uuid_hex();
  CHECK(uuid.size() == 32);
  CHECK(uuid.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(uuid[12] == '4');                                          // version 4
  CHECK(std::string("89ab").find(uuid[16]) != std::string::npos);  // RFC 4122 variant
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(new_uuid_hex());
  CHECK(seen.size() == 1000);
  CHECK(storage_key("files", uuid, ".txt") == "files/" + uuid + ".txt");
  CHECK(storage_key("files/", uuid, "") == "files/" + uuid);
  CHECK(storage_key("a/b", "0f", ".md") == "a/b/0f.md");
  CHECK(storage_key("", "0f", ".md") == "0f.md");
}

TEST_CASE("text sniffing looks for NUL in the first 8 KiB") {
  CHECK(!looks_binary("plain text\r\n"));
  CHECK(!looks_binary(""));
  CHECK(looks_binary(std::string("ab\0c", 4)));
  CHECK(looks_binary(std::string(8191, 'a') + std::string(1, '\0')));
  CHECK(!looks_binary(std::string(8192, 'a') + std::string(1, '\0')));
}

TEST_CASE("white space set matches the word counter's") {
  for (char32_t cp : {0x09, 0x0A,   0x0B,   0x0C,   0x0D,   0x1C,   0x1D,   0x1E,   0x1F,   0x20,  0x85,
                      0xA0, 0x1680, 0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000})
    CHECK(is_white_space(cp));
  for (char32_t cp : {0x00, 0x08, 0x0E, 0x1B, 0x21, 0x84, 0x200B, 0x202E, 0xFEFF, 0x180E}) CHECK(!is_white_space(cp));
}

#pragma once
// Rules for an uploaded document: its name, its storage key, text sniffing.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace htut::http {

inline constexpr std::size_t kMaxDocumentNameChars = 200;
inline constexpr std::size_t kTextSniffBytes = 8192;  // a NUL in these bytes means "not text" (415)

// The name as stored: valid UTF-8, trimmed of white space at both ends (the
// word-count white space set), 1-200 code points, no Cc control characters
// (format characters such as U+202E are allowed). Error::Kind::invalid with
// "document name is required" / "... is longer than 200 characters" /
// "... contains a control character" / "... is not valid UTF-8".
Result<std::string> validate_document_name(std::string_view raw);

// The storage extension of a client file name: last path component (after
// '/' or '\'), text after its last '.', lowercased, kept only when it is 1-10
// ASCII letters/digits: "C:\\x\\Moby.TXT" -> ".txt", "a.tar.gz" -> ".gz";
// like Python's os.path.splitext, leading dots do not start an extension
// (".bashrc" -> ""). Otherwise "".
std::string storage_extension(std::string_view client_filename);

// "{dir}/{uuid}{ext}"; an empty dir gives "{uuid}{ext}", and slashes at the
// ends of dir are not doubled.
std::string storage_key(std::string_view upload_directory, std::string_view uuid_hex32, std::string_view ext);

// A random (version 4) UUID as 32 lowercase hex digits.
std::string new_uuid_hex();

// True when the prefix (the file's first kTextSniffBytes bytes) holds a NUL byte.
bool looks_binary(std::string_view prefix);

// True for the code points the word counter treats as white space.
bool is_white_space(char32_t cp);

}  // namespace htut::http

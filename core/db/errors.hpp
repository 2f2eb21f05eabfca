#pragma once
// Pure helpers that turn libpq's diagnostics into htut Errors: which SQLSTATEs
// mean "the database is unreachable" (-> unavailable, the connection is dropped),
// which mean "your data is bad" (-> invalid), and message clean-up so that no
// password ever reaches a log line or an HTTP answer.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace htut::db {

// SQLSTATE -> error kind: class 08 (connection exception), 57P01-57P03 (server
// shutting down / starting), 53300 (too many connections), 57014 (statement
// timeout) -> unavailable; class 22 (data exception), 23502/23514 (not-null /
// check violation) -> invalid; 23505 (unique violation) -> conflict; else internal.
Error::Kind kind_for_sqlstate(std::string_view sqlstate);

// True when the SQLSTATE says the session is gone or unusable, so the
// connection must be thrown away rather than reused.
bool is_connection_sqlstate(std::string_view sqlstate);

// libpq's text made fit for one log line: whitespace runs (libpq uses "\n\t")
// collapsed to one space, trimmed, and `secret` (the password) replaced by ***.
std::string clean_message(std::string_view raw, std::string_view secret);

// libpq sends parameters as C strings, so a NUL byte would silently cut them.
bool contains_nul(std::string_view text);

// "database unavailable: <detail>"
Error unavailable_error(std::string_view detail);

}  // namespace htut::db

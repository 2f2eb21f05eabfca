#pragma once
// Escaping for HTML and URLs, and X-Request-ID checking.
#include <string>
#include <string_view>

#include "http/template.hpp"  // render_template, the page renderer built on html_escape

namespace htut::http {

// & < > " ' -> &amp; &lt; &gt; &quot; &#39;; invalid UTF-8 becomes U+FFFD,
// so the output is always valid UTF-8 and safe in text and quoted attributes.
std::string html_escape(std::string_view text);

// Makes invisible format characters (Unicode Cf, e.g. U+202E RIGHT-TO-LEFT
// OVERRIDE, U+200B) visible as "<U+202E>" text, so a document name cannot
// reorder or hide what is shown around it. Plain text in, plain text out
// (html_escape it afterwards). Invalid UTF-8 becomes U+FFFD.
std::string reveal_format_characters(std::string_view text);

// 1-200 characters of A-Z a-z 0-9 . _ -
bool valid_request_id(std::string_view id);

// Percent-encodes everything but the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~), so the result is one path segment.
std::string url_encode_path_segment(std::string_view segment);

}  // namespace htut::http

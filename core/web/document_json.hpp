#pragma once
// The interface's document JSON, built from a database row.
#include <boost/json/object.hpp>
#include <cstddef>

#include "db/documents.hpp"
#include "http/query.hpp"

namespace htut::web {

// word_counts holds the first `top` of the stored words (the row keeps up to 1000, in rank order).
boost::json::object document_json(const db::Document& doc, std::size_t top = ::htut::http::kDefaultTopWords);

}  // namespace htut::web

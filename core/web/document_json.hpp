#pragma once
// The interface's document JSON, built from a database row.
#include <boost/json/object.hpp>

#include "db/documents.hpp"

namespace htut::web {

boost::json::object document_json(const db::Document& doc);

}  // namespace htut::web

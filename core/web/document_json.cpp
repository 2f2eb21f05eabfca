#include "web/document_json.hpp"

#include <boost/json/parse.hpp>

namespace htut::web {

boost::json::object document_json(const db::Document& doc) {
  boost::json::object o;
  o["document_name"] = doc.document_name;
  o["document_slug"] = doc.document_slug;
  o["filename"] = doc.filename;
  o["s3_key"] = doc.s3_key;
  o["file_url"] = "/documents/" + doc.document_slug + "/file";
  o["time_uploaded"] = doc.time_uploaded;
  o["status"] = doc.status;
  o["error"] = doc.error ? boost::json::value(*doc.error) : boost::json::value(nullptr);
  bool done = doc.status == "done";
  o["total_words"] = done && doc.total_words ? boost::json::value(*doc.total_words) : boost::json::value(nullptr);
  o["distinct_words"] = done && doc.distinct_words ? boost::json::value(*doc.distinct_words) : boost::json::value(nullptr);
  // boost::json::object keeps insertion order, so the rank order survives.
  o["word_counts"] = done && doc.word_counts ? boost::json::parse(*doc.word_counts) : boost::json::value(nullptr);
  return o;
}

}  // namespace htut::web

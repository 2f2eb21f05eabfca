#include "web/document_json.hpp"

#include <boost/json/parse.hpp>

namespace htut::web {

namespace {

// The stored object's first `top` members (boost::json::object keeps insertion order, so the rank order survives).
boost::json::value top_words(const std::string& stored, std::size_t top) {
  boost::json::value all = boost::json::parse(stored);
  auto* words = all.if_object();
  if (!words || words->size() <= top) return all;
  boost::json::object kept;
  kept.reserve(top);
  for (const auto& member : *words) {
    if (kept.size() == top) break;
    kept.emplace(member.key(), member.value());
  }
  return kept;
}

}  // namespace

boost::json::object document_json(const db::Document& doc, std::size_t top) {
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
  o["word_counts"] = done && doc.word_counts ? top_words(*doc.word_counts, top) : boost::json::value(nullptr);
  return o;
}

}  // namespace htut::web

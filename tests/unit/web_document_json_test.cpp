#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "web/document_json.hpp"

using htut::db::Document;
using htut::web::document_json;

namespace {

Document done_with_words(int n) {
  Document doc;
  doc.document_name = "Many";
  doc.document_slug = "many";
  doc.status = "done";
  doc.total_words = 0;
  doc.distinct_words = n;
  boost::json::object counts;
  // Rank order that is not alphabetical, with integer-like keys too, must survive the cut.
  for (int i = 0; i < n; ++i) counts[(i % 3 == 0 ? "w" : "") + std::to_string(n - i)] = n - i;
  doc.word_counts = boost::json::serialize(counts);
  return doc;
}

std::vector<std::string> keys(const boost::json::object& doc) {
  std::vector<std::string> out;
  for (const auto& m : doc.at("word_counts").as_object()) out.emplace_back(m.key());
  return out;
}

}  // namespace

TEST_CASE("document_json: word_counts holds the first `top` stored words, in rank order") {
  auto doc = done_with_words(1000);
  auto all = keys(document_json(doc, 1000));
  REQUIRE(all.size() == 1000);
  CHECK(all.front() == "w1000");
  auto def = keys(document_json(doc));
  REQUIRE(def.size() == 100);
  CHECK(std::equal(def.begin(), def.end(), all.begin()));
  auto three = keys(document_json(doc, 300));
  REQUIRE(three.size() == 300);
  CHECK(std::equal(three.begin(), three.end(), all.begin()));
  CHECK(keys(document_json(done_with_words(5), 300)).size() == 5);
}

TEST_CASE("document_json: word_counts is null until done, whatever top is") {
  auto doc = done_with_words(10);
  doc.status = "pending";
  CHECK(document_json(doc, 5).at("word_counts").is_null());
}

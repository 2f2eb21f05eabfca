#include "storage/s3_endpoint.hpp"

#include <boost/url/parse.hpp>

#include "storage/sigv4.hpp"

namespace htut::storage {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_aws_host(const std::string& host) {
  return ends_with(host, ".amazonaws.com") || ends_with(host, ".amazonaws.com.cn");
}

}  // namespace

bool is_dns_compatible_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return b.front() != '-' && b.back() != '-';
}

Result<S3Endpoint> S3Endpoint::parse(const std::string& location, const std::string& bucket) {
  auto parsed = boost::urls::parse_uri(location);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty())
    return make_error(Error::Kind::invalid, "S3_LOCATION must be an http(s):// URL with a host");
  if (bucket.empty()) return make_error(Error::Kind::invalid, "S3_BUCKET is empty");
  // Boost.URL 1.81 accepts "https://host:A" as host + path "A" (boostorg/url#636):
  // a path must start with '/', a port must be digits.
  auto path = parsed->encoded_path();
  if (!path.empty() && path.front() != '/')
    return make_error(Error::Kind::invalid, "S3_LOCATION is malformed: expected http(s)://host[:port][/path]");
  if (parsed->has_port()) {
    auto port = parsed->port();
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos)
      return make_error(Error::Kind::invalid, "S3_LOCATION has an invalid port: it must be a number");
  }
  S3Endpoint e;
  e.scheme_ = std::string(parsed->scheme());
  e.authority_ = std::string(parsed->encoded_host_and_port());
  e.base_path_ = std::string(parsed->encoded_path());
  while (!e.base_path_.empty() && e.base_path_.back() == '/') e.base_path_.pop_back();
  e.bucket_ = bucket;
  e.virtual_hosted_ = is_aws_host(std::string(parsed->host())) && is_dns_compatible_bucket(bucket);
  return e;
}

S3Target S3Endpoint::object(const std::string& key) const {
  S3Target t = bucket();
  if (t.path.back() != '/') t.path.push_back('/');
  t.path += sigv4::encode_path(key);
  t.url = scheme_ + "://" + t.host + t.path;
  return t;
}

S3Target S3Endpoint::bucket() const {
  S3Target t;
  if (virtual_hosted_) {
    t.host = bucket_ + "." + authority_;
    t.path = base_path_ + "/";
  } else {
    t.host = authority_;
    t.path = base_path_ + "/" + sigv4::encode_path(bucket_);
  }
  t.url = scheme_ + "://" + t.host + t.path;
  return t;
}

}  // namespace htut::storage

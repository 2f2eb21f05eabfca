#pragma once
// Where a bucket's objects live on the wire: path-style (http://host:port/bucket/key) for IP
// addresses, localhost and custom endpoints; virtual-hosted (https://bucket.s3.region.amazonaws.com/key)
// for AWS endpoints when the bucket name is DNS-compatible without dots (dots break TLS
// wildcard certificates). Pure; no I/O.
#include <string>

#include "common/result.hpp"

namespace htut::storage {

struct S3Target {
  std::string url;   // scheme://host[:port]/encoded-path (no query)
  std::string host;  // the Host header value, also signed
  std::string path;  // the encoded path, also the canonical URI
};

class S3Endpoint {
 public:
  // location: S3_LOCATION (http(s)://host[:port][/prefix]); bucket: S3_BUCKET.
  static Result<S3Endpoint> parse(const std::string& location, const std::string& bucket);

  S3Target object(const std::string& key) const;  // the object's URL; the key is encoded once
  S3Target bucket() const;                        // the bucket itself (list, HEAD bucket)
  bool virtual_hosted() const { return virtual_hosted_; }

 private:
  std::string scheme_;     // http / https
  std::string authority_;  // host[:port] of the endpoint as given (without userinfo)
  std::string base_path_;  // the location's path without the trailing '/', usually ""
  std::string bucket_;
  bool virtual_hosted_ = false;
};

// True for names S3 accepts in a host name: 3-63 of a-z 0-9 '-', starting and ending
// alphanumeric, no dots (see above), not an IP address.
bool is_dns_compatible_bucket(const std::string& bucket);

}  // namespace htut::storage

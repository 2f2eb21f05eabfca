#include "storage/storage.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "storage/file_storage.hpp"
#include "storage/s3_storage.hpp"

namespace htut::storage {

std::unique_ptr<Storage> make_storage(const config::S3Config& config, const RetryPolicy& retries) {
  if (config.is_file()) {
    auto parsed = boost::urls::parse_uri(config.location);
    if (!parsed || parsed->path().empty() || parsed->path().front() != '/')
      throw std::invalid_argument("S3_LOCATION must be file:///absolute/dir for local storage");
    return std::make_unique<FileStorage>(std::string(parsed->path()));  // path() is decoded
  }
  auto endpoint = S3Endpoint::parse(config.location, config.bucket);
  if (!endpoint) throw std::invalid_argument(endpoint.error().message);
  sigv4::Credentials credentials{config.key, config.secret, config.session_token};
  return std::make_unique<S3Storage>(std::move(*endpoint), std::move(credentials), config.region, config.bucket,
                                     retries);
}

std::unique_ptr<PartWriter> refusing_writer(Error why) {
  struct Refusing final : PartWriter {
    Error why;
    explicit Refusing(Error e) : why(std::move(e)) {}
    Status write_part(std::string_view) override { return why; }
    Result<ObjectInfo> finish(std::string_view) override { return why; }
    void abort() override {}
  };
  return std::make_unique<Refusing>(std::move(why));
}

std::unique_ptr<PartWriter> Storage::start_put(const std::string& key, const PutOptions&) {
  return refusing_writer(make_error(Error::Kind::internal, "this storage cannot write " + key + " in parts"));
}

Reader string_reader(std::string_view data) {
  auto pos = std::make_shared<std::size_t>(0);
  return [data, pos](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::min(cap, data.size() - *pos);
    std::memcpy(buf, data.data() + *pos, n);
    *pos += n;
    return n;
  };
}

Sink string_sink(std::string& out) {
  return [&out](std::string_view chunk) -> Status {
    out.append(chunk);
    return ok_status();
  };
}

}  // namespace htut::storage

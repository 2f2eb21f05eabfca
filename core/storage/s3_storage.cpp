#include "storage/s3_storage.hpp"

#include <charconv>
#include <memory>

#include "log/log.hpp"
#include "storage/object_key.hpp"
#include "storage/s3_xml.hpp"

namespace htut::storage {
namespace {

using namespace std::chrono_literals;

// Transfers of object data may take long; they are bounded by the stall timeout instead.
constexpr std::chrono::milliseconds data_timeout{0};
// Small control requests (HEAD, DELETE, list, create/complete multipart).
constexpr std::chrono::milliseconds control_timeout = 30s;

// Reads until cap bytes are in buf (from `filled` on) or the reader is at its end.
Result<std::size_t> fill(const Reader& reader, char* buf, std::size_t cap, std::size_t filled) {
  while (filled < cap) {
    auto n = reader(buf + filled, cap - filled);
    if (!n) return n.error();
    if (*n == 0) break;
    filled += *n;
  }
  return filled;
}

std::uint64_t parse_size(const std::string& text) {
  std::uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

S3Storage::S3Storage(S3Endpoint endpoint, sigv4::Credentials credentials, std::string region, std::string bucket,
                     RetryPolicy policy, std::size_t part_size)
    : client_(std::move(endpoint), std::move(credentials), std::move(region), policy),
      bucket_(std::move(bucket)),
      part_size_(part_size) {}

Result<ObjectInfo> S3Storage::put(const std::string& key, const Reader& reader, const PutOptions& options) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  // new char[] leaves the pages untouched, so a small upload costs little resident memory.
  std::unique_ptr<char[]> part(new char[part_size_]);
  auto filled = fill(reader, part.get(), part_size_, 0);
  if (!filled) return filled.error();
  if (*filled < part_size_) return put_single(key, std::string_view(part.get(), *filled), options);
  return put_multipart(key, part.get(), *filled, reader, options);
}

Result<ObjectInfo> S3Storage::put_single(const std::string& key, std::string_view body, const PutOptions& options) {
  S3Call call;
  call.method = "PUT";
  call.target = client_.endpoint().object(key);
  call.headers.push_back({"Content-Type", options.content_type});
  call.body = body;
  call.total_timeout = data_timeout;
  call.what = "PUT " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  return ObjectInfo{key, body.size(), xml::unquote_etag(resp->header("etag"))};
}

Result<ObjectInfo> S3Storage::put_multipart(const std::string& key, char* part, std::size_t filled,
                                            const Reader& reader, const PutOptions& options) {
  // The part is full; one more read tells whether anything follows. If not, one PUT is enough.
  constexpr std::size_t peek_size = 64 * 1024;
  std::unique_ptr<char[]> peek(new char[peek_size]);
  auto peeked = reader(peek.get(), peek_size);
  if (!peeked) return peeked.error();
  if (*peeked == 0) return put_single(key, std::string_view(part, filled), options);

  auto upload_id = create_upload(key, options);
  if (!upload_id) return upload_id.error();
  std::vector<std::string> etags;
  std::uint64_t total = 0;
  auto fail = [&](Error e) -> Result<ObjectInfo> {
    abort_upload(key, *upload_id);
    return e;
  };
  while (true) {
    auto etag = upload_part(key, *upload_id, static_cast<int>(etags.size()) + 1, std::string_view(part, filled));
    if (!etag) return fail(etag.error());
    etags.push_back(*etag);
    total += filled;
    if (filled < part_size_ || *peeked == 0) break;
    // Start the next part with the peeked bytes, fill it, and peek again when it is full.
    std::copy(peek.get(), peek.get() + *peeked, part);
    auto next = fill(reader, part, part_size_, *peeked);
    if (!next) return fail(next.error());
    filled = *next;
    *peeked = 0;
    if (filled == part_size_) {
      peeked = reader(peek.get(), peek_size);
      if (!peeked) return fail(peeked.error());
    }
    if (filled == 0) break;
  }
  auto etag = complete_upload(key, *upload_id, etags);
  if (!etag) return fail(etag.error());
  log::info("S3 multipart upload complete", {{"key", key}, {"parts", etags.size()}, {"bytes", total}});
  return ObjectInfo{key, total, *etag};
}

Result<std::string> S3Storage::create_upload(const std::string& key, const PutOptions& options) {
  S3Call call;
  call.method = "POST";
  call.target = client_.endpoint().object(key);
  call.query = {{"uploads", ""}};
  call.headers.push_back({"Content-Type", options.content_type});
  call.total_timeout = control_timeout;
  call.what = "CreateMultipartUpload " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  auto id = xml::first_text(resp->body, "UploadId");
  if (!id || id->empty())
    return make_error(Error::Kind::internal, "S3 " + call.what + " failed: the answer has no UploadId");
  return *id;
}

Result<std::string> S3Storage::upload_part(const std::string& key, const std::string& upload_id, int number,
                                           std::string_view data) {
  S3Call call;
  call.method = "PUT";
  call.target = client_.endpoint().object(key);
  call.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  call.body = data;
  call.total_timeout = data_timeout;
  call.what = "UploadPart " + std::to_string(number) + " of " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  std::string etag = resp->header("etag");
  if (etag.empty()) return make_error(Error::Kind::internal, "S3 " + call.what + " failed: the answer has no ETag");
  return etag;
}

Result<std::string> S3Storage::complete_upload(const std::string& key, const std::string& upload_id,
                                               const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (std::size_t i = 0; i < etags.size(); ++i)
    body +=
        "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml::escape(etags[i]) + "</ETag></Part>";
  body += "</CompleteMultipartUpload>";
  S3Call call;
  call.method = "POST";
  call.target = client_.endpoint().object(key);
  call.query = {{"uploadId", upload_id}};
  call.headers.push_back({"Content-Type", "application/xml"});
  call.body = body;
  call.total_timeout = 120s;  // S3 may take a while to assemble large objects
  call.what = "CompleteMultipartUpload " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  // S3 can answer 200 and still fail: the error is then in the body.
  if (auto err = xml::parse_error(resp->body))
    return make_error(Error::Kind::unavailable, "S3 " + call.what + " failed: " + err->code + ": " + err->message);
  return xml::unquote_etag(xml::first_text(resp->body, "ETag").value_or(""));
}

bool S3Storage::abort_upload(const std::string& key, const std::string& upload_id) {
  S3Call call;
  call.method = "DELETE";
  call.target = client_.endpoint().object(key);
  call.query = {{"uploadId", upload_id}};
  call.accepted = {404, 405};
  call.total_timeout = control_timeout;
  call.what = "AbortMultipartUpload " + key;
  auto resp = client_.call(call);
  if (!resp) {
    log::warn("S3 abort of a failed multipart upload failed; it is tried again once S3 answers",
              {{"key", key}, {"error", resp.error().message}});
    std::lock_guard lock(failed_aborts_mutex_);
    if (failed_aborts_.size() >= max_failed_aborts) {
      log::warn("S3 multipart upload left behind: too many aborts waiting (a bucket lifecycle rule removes it)",
                {{"key", failed_aborts_.front().key}});
      failed_aborts_.pop_front();
    }
    failed_aborts_.push_back({key, upload_id});
    return false;
  }
  if (resp->status == 405) {
    // s3rver has no AbortMultipartUpload; real S3 does. The parts stay until a lifecycle rule removes them.
    log::warn("S3 server does not support AbortMultipartUpload", {{"key", key}});
  }
  return true;
}

void S3Storage::retry_failed_aborts() {
  // A few per call, so that a check or an upload is never held up for long.
  constexpr int per_call = 4;
  for (int i = 0; i < per_call; ++i) {
    FailedAbort next;
    {
      std::lock_guard lock(failed_aborts_mutex_);
      if (failed_aborts_.empty()) return;
      next = std::move(failed_aborts_.front());
      failed_aborts_.pop_front();
    }
    // A failure puts it back at the end of the line.
    if (!abort_upload(next.key, next.upload_id)) return;
    log::info("S3 multipart upload aborted", {{"key", next.key}, {"retried", true}});
  }
}

Status S3Storage::get(const std::string& key, const Sink& sink) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  S3Call call;
  call.method = "GET";
  call.target = client_.endpoint().object(key);
  const BodySink body_sink = sink;
  call.sink = &body_sink;
  call.total_timeout = data_timeout;
  call.what = "GET " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  return ok_status();
}

Result<ObjectInfo> S3Storage::head(const std::string& key) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  S3Call call;
  call.method = "HEAD";
  call.target = client_.endpoint().object(key);
  call.total_timeout = control_timeout;
  call.what = "HEAD " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  return ObjectInfo{key, parse_size(resp->header("content-length")), xml::unquote_etag(resp->header("etag"))};
}

Status S3Storage::remove(const std::string& key) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  S3Call call;
  call.method = "DELETE";
  call.target = client_.endpoint().object(key);
  call.accepted = {404};
  call.total_timeout = control_timeout;
  call.what = "DELETE " + key;
  auto resp = client_.call(call);
  if (!resp) return resp.error();
  return ok_status();
}

Result<std::vector<ObjectInfo>> S3Storage::list(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    S3Call call;
    call.method = "GET";
    call.target = client_.endpoint().bucket();
    call.query = {{"list-type", "2"}};
    if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    call.total_timeout = control_timeout;
    call.what = "ListObjectsV2 " + (prefix.empty() ? std::string("(all)") : prefix);
    auto resp = client_.call(call);
    if (!resp) return resp.error();
    auto page = xml::parse_list_v2(resp->body);
    if (!page) return make_error(Error::Kind::internal, "S3 " + call.what + " failed: unexpected answer");
    for (auto& o : page->objects) out.push_back(ObjectInfo{std::move(o.key), o.size, std::move(o.etag)});
    token = page->truncated ? page->next_token : "";
  } while (!token.empty());
  return out;
}

Result<std::string> S3Storage::presign_get(const std::string& key, std::chrono::seconds expires) {
  if (auto ok = validate_key(key); !ok) return ok.error();
  return client_.presign_get(key, expires);
}

// One object as a multipart upload created at its first part; an object that
// ends before a first part was written goes up in one PUT.
class S3PartWriter final : public PartWriter {
 public:
  S3PartWriter(S3Storage& s3, std::string key, PutOptions options)
      : s3_(s3), key_(std::move(key)), options_(std::move(options)) {}
  ~S3PartWriter() override { abort(); }

  Status write_part(std::string_view data) override {
    if (done_) return make_error(Error::Kind::internal, "the upload of " + key_ + " is already finished");
    if (upload_id_.empty()) {
      if (auto ok = validate_key(key_); !ok) return ok.error();
      auto id = s3_.create_upload(key_, options_);
      if (!id) return id.error();
      upload_id_ = *id;
    }
    auto etag = s3_.upload_part(key_, upload_id_, static_cast<int>(etags_.size()) + 1, data);
    if (!etag) return etag.error();
    etags_.push_back(*etag);
    total_ += data.size();
    return ok_status();
  }

  Result<ObjectInfo> finish(std::string_view last) override {
    if (done_) return make_error(Error::Kind::internal, "the upload of " + key_ + " is already finished");
    if (upload_id_.empty()) {
      if (auto ok = validate_key(key_); !ok) return ok.error();
      done_ = true;
      auto stored = s3_.put_single(key_, last, options_);
      if (stored) s3_.retry_failed_aborts();
      return stored;
    }
    if (!last.empty())
      if (auto w = write_part(last); !w) return w.error();
    auto etag = s3_.complete_upload(key_, upload_id_, etags_);
    if (!etag) return etag.error();
    done_ = true;
    log::info("S3 multipart upload complete", {{"key", key_}, {"parts", etags_.size()}, {"bytes", total_}});
    s3_.retry_failed_aborts();
    return ObjectInfo{key_, total_, *etag};
  }

  void abort() override {
    if (done_) return;
    done_ = true;
    if (upload_id_.empty()) return;
    if (s3_.abort_upload(key_, upload_id_))
      log::info("S3 multipart upload aborted", {{"key", key_}, {"parts", etags_.size()}});
  }

 private:
  S3Storage& s3_;
  std::string key_;
  PutOptions options_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  std::uint64_t total_ = 0;
  bool done_ = false;
};

std::unique_ptr<PartWriter> S3Storage::start_put(const std::string& key, const PutOptions& options) {
  return std::make_unique<S3PartWriter>(*this, key, options);
}

std::size_t S3Storage::min_part_size() const { return s3_min_part_size; }

Status S3Storage::check() {
  S3Call call;
  call.method = "HEAD";
  call.target = client_.endpoint().bucket();
  call.total_timeout = 10s;
  call.what = "HEAD bucket " + bucket_;
  auto resp = client_.call(call);
  if (!resp) {
    if (resp.error().kind == Error::Kind::not_found)
      return make_error(Error::Kind::not_found, "S3 bucket '" + bucket_ + "' does not exist - check S3_BUCKET");
    return resp.error();
  }
  retry_failed_aborts();
  return ok_status();
}

}  // namespace htut::storage

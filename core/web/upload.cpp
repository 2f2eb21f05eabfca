// POST / and POST /api/documents: the multipart body is parsed as it arrives
// and the file streams straight into storage; then the row is inserted and the
// job published. Whatever fails, nothing half-stored stays visible.
#include <boost/json.hpp>

#include "db/documents.hpp"
#include "http/multipart.hpp"
#include "http/slug.hpp"
#include "http/upload_rules.hpp"
#include "log/log.hpp"
#include "queue/publisher.hpp"
#include "storage/storage.hpp"
#include "web/app.hpp"
#include "web/memory_budget.hpp"
#include "web/document_json.hpp"
#include "web/session_cookie.hpp"
#include "web/status_hub.hpp"

namespace htut::web {
namespace {

constexpr std::size_t text_sniff_bytes = 8192;
// The request may carry a little more than the file: fields and framing.
constexpr std::uint64_t framing_allowance = 1024 * 1024;
// Bodies up to this size take their whole size from the small uploads' reserve at once.
constexpr std::uint64_t small_body_limit = 1024 * 1024;
// Small bodies take memory in steps of this much (a read is at most 16 KiB).
constexpr std::size_t small_read_step = 32 * 1024;
// Big uploads hold a part of this size while they read (S3 wants at least 5 MiB a part).
constexpr std::size_t part_size = 8 * 1024 * 1024;
constexpr std::size_t file_storage_part_size = 1024 * 1024;
// How long an upload may wait for memory before it gets 503 with Retry-After.
constexpr auto memory_wait_limit = std::chrono::seconds(20);
// A big upload whose client sends nothing for this long stores what it can and gives its memory back.
constexpr auto idle_after = std::chrono::seconds(1);

// Why an upload was refused: the HTTP status and the message the user sees.
struct Refusal {
  http::status status;
  std::string message;
  bool retry_later = false;  // 503 with Retry-After
};

// Storage that fails (unreachable, a missing bucket, a curl error) is a 503, never a 500.
struct Refusal storage_failed(const Error& e) {
  if (e.kind == Error::Kind::invalid) return Refusal{http::status::bad_request, e.message};
  return Refusal{http::status::service_unavailable, e.message};
}

Refusal busy_refusal() {
  return Refusal{http::status::service_unavailable,
                 "the server is busy with other uploads; please try again in a moment", true};
}

http::status status_for(const Error& e) {
  switch (e.kind) {
    case Error::Kind::invalid: return http::status::bad_request;
    case Error::Kind::too_large: return http::status::payload_too_large;
    case Error::Kind::unsupported: return http::status::unsupported_media_type;
    case Error::Kind::forbidden: return http::status::forbidden;
    case Error::Kind::not_found: return http::status::not_found;
    case Error::Kind::unavailable: return http::status::service_unavailable;
    default: return http::status::internal_server_error;
  }
}

std::string human_limit(std::uint64_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

// The state of one upload while its body streams in.
class UploadHandler {
 public:
  UploadHandler(App& app, Exchange& ex, bool api) : app_(app), ex_(ex), api_(api) {}

  awaitable<Reply> run();
  // Refuses before reading the body (the connection is then closed).
  Reply refuse_now(const Refusal& r) {
    std::optional<SessionCookie> cookie;
    if (!api_) cookie.emplace(ex_.header(), app_.config_.secret_key);
    Reply reply = refuse(r, cookie ? &*cookie : nullptr);
    return reply;
  }

 private:
  awaitable<std::optional<Refusal>> receive();
  awaitable<std::optional<Refusal>> wait_while_idle(BudgetHold& hold, std::size_t slot);
  awaitable<std::optional<Refusal>> wait_for_data_and_memory(BudgetHold& hold, std::size_t want);
  awaitable<std::optional<Refusal>> take_memory(BudgetHold& hold, std::size_t want);
  awaitable<Status> store_part(std::string data);
  Status on_part_begin(const ::htut::http::PartHeaders& h);
  Status on_part_data(std::string_view data);
  Status on_part_end();
  awaitable<void> remove_object();
  Reply refuse(const Refusal& r, SessionCookie* cookie);

  App& app_;
  Exchange& ex_;
  bool api_;

  enum class Part { none, file, name, csrf, ignored };
  Part current_ = Part::none;
  bool saw_file_ = false;
  std::string filename_;
  std::string key_;
  std::uint64_t file_bytes_ = 0;
  std::string pending_;  // file bytes received, not yet stored (counted in the memory budget)
  std::string document_name_raw_;
  std::string csrf_token_;
  std::optional<SessionCookie> cookie_;  // the form's session (not for the API)
  // Shared with the storage thread doing a write; aborted when the upload does not finish.
  std::shared_ptr<storage::PartWriter> writer_;
  std::uint64_t body_bytes_ = 0;
};

constexpr std::string_view csrf_refusal =
    "the form has expired or did not come from this site; reload the page and try again";

Status UploadHandler::on_part_begin(const ::htut::http::PartHeaders& h) {
  if (h.name == "input-file" && h.filename) {
    if (saw_file_) return make_error(Error::Kind::invalid, "send one file per upload");
    // The token precedes the file in the form: checked before a byte of the file is stored.
    if (cookie_ && !::htut::http::csrf_matches(csrf_token_, cookie_->has_session() ? cookie_->csrf_token() : ""))
      return make_error(Error::Kind::forbidden, std::string(csrf_refusal));
    saw_file_ = true;
    current_ = Part::file;
    filename_ = *h.filename;
    if (filename_.empty()) return ok_status();  // the browser's "no file chosen"
    auto ext = ::htut::http::storage_extension(filename_);
    key_ = ::htut::http::storage_key(app_.config_.s3.upload_directory, ::htut::http::new_uuid_hex(), ext);
    writer_ = app_.services_.storage->start_put(key_);
  } else if (h.name == "document-name") {
    current_ = Part::name;
  } else if (h.name == "csrf_token") {
    current_ = Part::csrf;
  } else {
    current_ = Part::ignored;
  }
  return ok_status();
}

Status UploadHandler::on_part_data(std::string_view data) {
  switch (current_) {
    case Part::file: {
      if (filename_.empty()) return make_error(Error::Kind::invalid, "choose a file to upload");
      std::uint64_t before = file_bytes_;
      file_bytes_ += data.size();
      if (file_bytes_ > app_.config_.max_upload_bytes)
        return make_error(Error::Kind::too_large,
                          "the file is larger than the limit of " + human_limit(app_.config_.max_upload_bytes));
      if (before < text_sniff_bytes) {
        auto head = data.substr(0, text_sniff_bytes - before);
        if (head.find('\0') != std::string_view::npos)
          return make_error(Error::Kind::unsupported,
                            "this is not a text file (it contains NUL bytes); upload plain text such as UTF-8");
      }
      pending_.append(data);
      return ok_status();
    }
    case Part::name:
      document_name_raw_.append(data);  // the parser bounds fields other than the file (64 KiB)
      return ok_status();
    case Part::csrf:
      csrf_token_.append(data);
      return ok_status();
    default:
      return ok_status();
  }
}

Status UploadHandler::on_part_end() {
  current_ = Part::none;
  return ok_status();
}

awaitable<Status> UploadHandler::store_part(std::string data) {
  const std::size_t bytes = data.size();
  auto write = [writer = writer_, data = std::move(data)] { return writer->write_part(data); };
  auto stored = co_await run_blocking(app_.upload_pool_, std::move(write));
  if (stored) log::debug("upload part stored", {{"key", key_}, {"bytes", bytes}});
  co_return stored;
}

// A big upload between parts whose client has gone quiet: store what can be
// stored, give the memory back, and wait for the client without holding any.
awaitable<std::optional<Refusal>> UploadHandler::wait_while_idle(BudgetHold& hold, std::size_t slot) {
  auto& socket = ex_.stream().socket();
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(idle_after);
  auto first = co_await (socket.async_wait(tcp::socket::wait_read, net::as_tuple(net::use_awaitable)) ||
                         timer.async_wait(net::as_tuple(net::use_awaitable)));
  if (first.index() == 0) co_return std::nullopt;  // data is there
  const std::size_t min_part = app_.services_.storage->min_part_size();
  if (!pending_.empty() && pending_.size() >= min_part) {
    std::string data;
    data.swap(pending_);
    auto stored = co_await store_part(std::move(data));
    if (!stored) co_return storage_failed(stored.error());
  }
  // Keep only what is held (a remainder too small for a part) until the client sends again.
  hold.shrink_to(pending_.size());
  co_return co_await wait_for_data_and_memory(hold, slot);
}

// Waits until the client sends (within its progress deadline), then until the
// budget grants `want` bytes held in all.
awaitable<std::optional<Refusal>> UploadHandler::wait_for_data_and_memory(BudgetHold& hold, std::size_t want) {
  auto& socket = ex_.stream().socket();
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(co_await net::this_coro::executor);
  if (ex_.buffered() > 0 || hold.held() >= want) co_return co_await take_memory(hold, want);
  timer.expires_at(ex_.progress_deadline());
  auto woke = co_await (socket.async_wait(tcp::socket::wait_read, net::as_tuple(net::use_awaitable)) ||
                        timer.async_wait(net::as_tuple(net::use_awaitable)));
  if (woke.index() == 1)
    co_return Refusal{http::status::request_timeout, "the upload stopped moving (less than 1 KiB in 30 s); nothing was saved"};
  co_return co_await take_memory(hold, want);
}

awaitable<std::optional<Refusal>> UploadHandler::take_memory(BudgetHold& hold, std::size_t want) {
  if (hold.held() >= want) co_return std::nullopt;
  const std::size_t more = std::max(want - hold.held(), small_read_step);
  auto waiting_since = std::chrono::steady_clock::now();
  bool granted = co_await hold.budget().acquire(hold.pool(), more, waiting_since + memory_wait_limit);
  if (!granted) co_return busy_refusal();
  hold.add(more);
  // Only a real wait (back-pressure) is not the client's time.
  auto waited = std::chrono::steady_clock::now() - waiting_since;
  if (waited > std::chrono::milliseconds(100)) ex_.paused_for(waited);
  co_return std::nullopt;
}

awaitable<std::optional<Refusal>> UploadHandler::receive() {
  auto content_type = ex_.header()[http::field::content_type];
  auto boundary = ::htut::http::boundary_from_content_type(content_type);
  if (!boundary) co_return Refusal{http::status::bad_request, "send the upload as multipart/form-data"};
  const std::uint64_t body_limit = app_.config_.max_upload_bytes + framing_allowance;
  auto too_large = [&] {
    return Refusal{http::status::payload_too_large,
                   "the file is larger than the limit of " + human_limit(app_.config_.max_upload_bytes)};
  };
  if (auto len = ex_.content_length(); len && *len > body_limit) co_return too_large();

  // Memory is taken as bytes arrive, never for a client that sends nothing:
  // a small body from the reserve as it comes, a big one a part-sized slot
  // while it is sending (given back when it goes quiet).
  const auto declared = ex_.content_length();
  const bool small = declared && *declared <= small_body_limit;
  const std::size_t slot = app_.services_.storage->min_part_size() > 0 ? part_size : file_storage_part_size;
  BudgetHold hold(app_.upload_memory_, small ? MemoryBudget::Pool::small : MemoryBudget::Pool::large);

  ::htut::http::MultipartParser parser(
      *boundary, {},
      {[this](const auto& h) { return on_part_begin(h); }, [this](auto d) { return on_part_data(d); },
       [this] { return on_part_end(); }});
  for (;;) {
    std::optional<Refusal> stopped;
    if (ex_.body_complete()) {
    } else if (small) {
      stopped = co_await wait_for_data_and_memory(hold, pending_.size() + small_read_step);
    } else if (hold.held() < slot) {
      stopped = co_await wait_for_data_and_memory(hold, slot);
    } else if (writer_ && ex_.buffered() == 0) {
      stopped = co_await wait_while_idle(hold, slot);
    }
    if (stopped) co_return stopped;
    auto chunk = co_await ex_.read_body_chunk();
    if (!chunk) {
      if (ex_.timed_out()) co_return Refusal{http::status::request_timeout, chunk.error().message};
      co_return Refusal{http::status::bad_request, chunk.error().message};
    }
    body_bytes_ += chunk->size();
    if (body_bytes_ > body_limit) co_return too_large();  // chunked bodies too
    Status fed = chunk->empty() ? parser.finish() : parser.feed(*chunk);
    if (!fed) co_return Refusal{status_for(fed.error()), fed.error().message};
    if (!small && pending_.size() >= slot) {
      std::string data;
      data.swap(pending_);
      auto stored = co_await store_part(std::move(data));
    if (!stored) co_return storage_failed(stored.error());
    }
    if (chunk->empty()) break;
  }
  if (!writer_) co_return std::nullopt;
  auto finish = [writer = writer_, data = std::move(pending_)] { return writer->finish(data); };
  auto stored = co_await run_blocking(app_.upload_pool_, std::move(finish));
  pending_.clear();
  if (!stored) co_return storage_failed(stored.error());
  co_return std::nullopt;
}

awaitable<void> UploadHandler::remove_object() {
  if (key_.empty()) co_return;
  auto* storage = app_.services_.storage;
  auto remove_key = [storage, key = key_] { return storage->remove(key); };
  auto removed = co_await run_blocking(app_.blocking_, std::move(remove_key));
  if (!removed) log::warn("could not remove a refused upload", {{"key", key_}, {"error", removed.error().message}});
}

Reply UploadHandler::refuse(const Refusal& r, SessionCookie* cookie) {
  log::info("upload refused", {{"status", static_cast<unsigned>(r.status)}, {"reason", r.message},
                               {"request_id", ex_.request_id()}});
  std::string_view retry_after = r.retry_later ? "5" : "";
  if (api_) return app_.api_error(ex_, r.status, r.message, retry_after);
  App::IndexView view;
  view.csrf_token = cookie ? cookie->csrf_token() : std::string();
  view.form_error = r.message;
  view.document_name = document_name_raw_.size() <= 1000 ? document_name_raw_ : std::string();
  return app_.html_page(ex_, r.status, app_.render_index(view),
                        cookie && cookie->changed() ? cookie->set_cookie_header() : std::string(), retry_after);
}

awaitable<Reply> UploadHandler::run() {
  if (!api_) cookie_.emplace(ex_.header(), app_.config_.secret_key);
  auto& cookie = cookie_;

  auto refusal = co_await receive();
  bool stored = !refusal && writer_;
  if (refusal && refusal->status == http::status::service_unavailable && writer_)
    log::error("storing an upload failed", {{"key", key_}, {"error", refusal->message}});
  if (refusal && refusal->status == http::status::service_unavailable && !refusal->retry_later)
    refusal->message = "storage is unavailable, nothing was saved; please try again later";
  if (writer_ && !stored) {
    // Abort the writer (no multipart upload left behind) off the I/O thread.
    auto abort = [writer = writer_] { writer->abort(); };
    co_await run_blocking(app_.upload_pool_, std::move(abort));
  }
  if (!refusal && !saw_file_) refusal = Refusal{http::status::bad_request, "choose a file to upload (field input-file)"};
  if (!refusal && filename_.empty()) refusal = Refusal{http::status::bad_request, "choose a file to upload"};
  if (!refusal && !api_) {
    const std::string& expected = cookie->has_session() ? cookie->csrf_token() : std::string();
    if (!::htut::http::csrf_matches(csrf_token_, expected))
      refusal = Refusal{http::status::forbidden, std::string(csrf_refusal)};
  }
  std::string name;
  if (!refusal) {
    auto valid = ::htut::http::validate_document_name(document_name_raw_);
    if (!valid) refusal = Refusal{http::status::bad_request, valid.error().message};
    else name = *valid;
  }
  if (refusal) {
    if (stored) co_await remove_object();
    co_return refuse(*refusal, cookie ? &*cookie : nullptr);
  }

  db::NewDocument doc;
  doc.document_name = name;
  doc.document_slug = ::htut::http::slugify(name);
  if (doc.document_slug.empty()) doc.document_slug = key_.substr(key_.rfind('/') + 1, 12);
  doc.filename = filename_;
  doc.s3_key = key_;
  doc.size_bytes = static_cast<std::int64_t>(file_bytes_);
  auto* documents = app_.services_.documents;
  auto insert_row = [documents, doc] { return documents->insert_pending(doc); };
  auto inserted = co_await run_blocking(app_.blocking_, std::move(insert_row));
  if (!inserted) {
    log::error("recording an upload failed", {{"key", key_}, {"error", inserted.error().message}});
    co_await remove_object();
    co_return refuse({inserted.error().kind == Error::Kind::invalid ? http::status::bad_request
                                                                     : http::status::service_unavailable,
                      inserted.error().kind == Error::Kind::invalid
                          ? inserted.error().message
                          : "the database is unavailable, nothing was saved; please try again later"},
                     cookie ? &*cookie : nullptr);
  }
  const db::Document& row = *inserted;
  // This process answers with the new row at once, without waiting for the NOTIFY.
  if (app_.services_.status_hub) app_.services_.status_hub->cache().invalidate(row.document_slug);

  // Publish now; when the broker is down the worker's outbox publishes later.
  auto* publisher = app_.services_.publisher;
  auto publish_job = [publisher, documents, row] {
    queue::Job job{row.document_slug, row.time_uploaded, row.s3_key};
    auto published = publisher->publish(job, std::chrono::seconds(5));
    if (!published) {
      log::warn("job not published yet; the outbox will retry", {{"slug", row.document_slug},
                                                                  {"error", published.error().message}});
      return;
    }
    if (auto marked = documents->mark_published(row.document_slug, row.time_uploaded); !marked)
      log::warn("could not mark a job published", {{"slug", row.document_slug}, {"error", marked.error().message}});
  };
  co_await run_blocking(app_.blocking_, std::move(publish_job));
  log::info("uploaded", {{"slug", row.document_slug}, {"key", row.s3_key}, {"bytes", file_bytes_},
                         {"request_id", ex_.request_id()}});

  if (api_) {
    http::response<http::string_body> res{http::status::created, ex_.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::location, "/api/documents/" + row.document_slug);
    res.keep_alive(app_.keep_alive(ex_));
    res.body() = boost::json::serialize(document_json(row));
    co_return make_reply(std::move(res), ex_.request_id());
  }
  cookie->add_flash({"success", row.document_name, row.document_slug, ""});
  http::response<http::string_body> res{http::status::see_other, ex_.version()};
  res.set(http::field::location, "/");
  res.set(http::field::set_cookie, cookie->set_cookie_header());
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(app_.keep_alive(ex_));
  co_return make_reply(std::move(res), ex_.request_id());
}

awaitable<Reply> App::upload(Exchange& ex, bool api) {
  // Admission: uploads in progress cost memory only for what they hold (the
  // budget), but each is a connection and a parser: a generous cap.
  struct Slot {
    std::atomic<int>& count;
    ~Slot() { --count; }
  } slot{uploads_in_progress_};
  if (++uploads_in_progress_ > max_uploads_) {
    log::warn("upload refused: too many in progress", {{"limit", max_uploads_}, {"request_id", ex.request_id()}});
    UploadHandler handler(*this, ex, api);
    Reply reply = handler.refuse_now(busy_refusal());
    co_return reply;
  }
  UploadHandler handler(*this, ex, api);
  Reply reply = co_await handler.run();
  co_return reply;
}

}  // namespace htut::web

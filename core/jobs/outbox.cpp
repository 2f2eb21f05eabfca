#include "jobs/outbox.hpp"

#include "log/log.hpp"
#include "queue/job.hpp"

namespace htut::jobs {

Result<int> Outbox::publish_pending(int limit) {
  // The web role publishes each upload itself right after inserting it; the
  // outbox is for the ones it could not (broker down), so it skips fresh rows.
  auto pending = documents_.unpublished(limit, std::chrono::seconds(3));
  if (!pending) return pending.error();
  int published = 0;
  for (const auto& doc : *pending) {
    queue::Job job{doc.document_slug, doc.time_uploaded, doc.s3_key};
    if (auto s = publisher_.publish(job, std::chrono::seconds(5)); !s) return s.error();
    // A failure here only means the job may be published again: the worker is idempotent.
    if (auto s = documents_.mark_published(doc.document_slug, doc.time_uploaded); !s) return s.error();
    log::info("outbox published job", {{"slug", doc.document_slug}, {"time_uploaded", doc.time_uploaded}});
    ++published;
  }
  return published;
}

}  // namespace htut::jobs

#include "jobs/outbox.hpp"

#include <optional>

#include "log/log.hpp"
#include "queue/job.hpp"
#include "queue/topology.hpp"

namespace htut::jobs {

Result<int> Outbox::publish_pending(int limit) {
  // The web role publishes each upload itself right after inserting it; the
  // outbox is for the ones it could not (broker down), so it skips fresh rows.
  auto claimed = documents_.claim_unpublished(limit, std::chrono::seconds(3), lost_after_);
  if (!claimed) return claimed.error();
  // A job republished while countwords still has a line of jobs waiting may
  // just be waiting in that line: republish only once the line is empty.
  std::optional<bool> line_empty;
  int published = 0;
  for (std::size_t i = 0; i < claimed->size(); ++i) {
    const db::OutboxClaim& claim = (*claimed)[i];
    const db::Document& doc = claim.document;
    if (claim.previous_published_at) {
      if (!line_empty) {
        auto waiting = publisher_.waiting(queue::kJobQueue, std::chrono::seconds(5));
        line_empty = waiting && *waiting == 0;
      }
      if (!*line_empty) {
        (void)documents_.unclaim(claim);
        continue;
      }
    }
    queue::Job job{doc.document_slug, doc.time_uploaded, doc.s3_key};
    if (auto s = publisher_.publish(job, std::chrono::seconds(5)); !s) {
      // Not published: give this row and the rest back to the next pass.
      for (std::size_t j = i; j < claimed->size(); ++j) (void)documents_.unclaim((*claimed)[j]);
      return s.error();
    }
    log::info(claim.previous_published_at ? "outbox republished a job that may have been lost" : "outbox published job",
              {{"slug", doc.document_slug}, {"time_uploaded", doc.time_uploaded}});
    ++published;
  }
  return published;
}

}  // namespace htut::jobs

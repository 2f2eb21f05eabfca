#pragma once
// The outbox: publishes the jobs of pending documents whose job the broker
// never confirmed (uploaded while the broker was down), and republishes the
// job of a pending document only when it may really have been lost (no
// worker holds it, none is waiting for its retry, and nothing was heard of
// it for `lost_after`, and no line of jobs waits in countwords that it could
// be part of), so no accepted upload is ever left uncounted and no copies
// pile up. Rows are claimed in the database before they are
// published, so two workers never publish the same row in a pass.
#include <chrono>

#include "common/result.hpp"
#include "db/documents.hpp"
#include "queue/publisher.hpp"

namespace htut::jobs {

class Outbox {
 public:
  Outbox(db::Documents& documents, queue::Publisher& publisher,
         std::chrono::seconds lost_after = std::chrono::minutes(15))
      : documents_(documents), publisher_(publisher), lost_after_(lost_after) {}

  // One pass over up to `limit` rows, oldest first: claim them, publish each
  // (confirmed). Stops at the first failure and gives the rest of the claim
  // back (the broker is likely down; the next pass tries again). Returns how
  // many were published.
  Result<int> publish_pending(int limit = 100);

 private:
  db::Documents& documents_;
  queue::Publisher& publisher_;
  std::chrono::seconds lost_after_;
};

}  // namespace htut::jobs

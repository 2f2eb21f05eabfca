#pragma once
// The outbox: publishes the jobs of documents that are pending but whose job
// was never confirmed by the broker (e.g. uploaded while the broker was down),
// so no accepted upload is ever left uncounted.
#include "common/result.hpp"
#include "db/documents.hpp"
#include "queue/publisher.hpp"

namespace htut::jobs {

class Outbox {
 public:
  Outbox(db::Documents& documents, queue::Publisher& publisher) : documents_(documents), publisher_(publisher) {}

  // One pass over up to `limit` unpublished documents, oldest first: publish
  // (confirmed) then mark_published. Stops at the first failure (the broker
  // or database is likely down; the next pass tries again). Returns how many
  // were published.
  Result<int> publish_pending(int limit = 100);

 private:
  db::Documents& documents_;
  queue::Publisher& publisher_;
};

}  // namespace htut::jobs

// htut worker: consumes word-count jobs until SIGTERM/SIGINT (see docs/queue.md).
// Wiring only: configuration, services, signals; the work is jobs::Worker.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "cmd/htut/commands.hpp"
#include "config/config.hpp"
#include "db/documents.hpp"
#include "db/pool.hpp"
#include "jobs/worker.hpp"
#include "log/log.hpp"
#include "storage/storage.hpp"

namespace htut::cmd {

int worker_main(const Args& args) {
  if (!no_arguments("worker", args)) return 2;
  auto loaded = load_role_config("worker");
  if (!loaded) return 1;
  const config::Config& cfg = *loaded;

  // Block SIGTERM/SIGINT in every thread; one thread waits for them with
  // sigwait and asks the worker to stop (no work inside a signal handler).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    // One quick retry of a failed S3 request, no more: a job whose read fails
    // goes back to the queue with a growing delay (docs/queue.md), so the
    // GETs of one object stay few however long storage misbehaves.
    storage::RetryPolicy s3_retries;
    s3_retries.max_attempts = 2;
    auto storage = storage::make_storage(cfg.s3, s3_retries);
    // One connection per job thread plus one for the outbox.
    db::Pool pool(cfg.database_url, static_cast<std::size_t>(cfg.worker_concurrency) + 1);
    db::Documents documents(pool);
    jobs::WorkerOptions options;
    options.concurrency = cfg.worker_concurrency;
    options.count = {cfg.count_memory_bytes, cfg.tmp_dir};
    jobs::Worker worker(cfg.amqp_url, *storage, documents, options);

    std::thread signal_waiter([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      log::info("worker stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      worker.stop();
    });
    try {
      worker.run();  // returns only after stop()
    } catch (...) {
      pthread_kill(signal_waiter.native_handle(), SIGTERM);  // wake the waiter so it can be joined
      signal_waiter.join();
      throw;
    }
    signal_waiter.join();
    return 0;
  } catch (const std::exception& e) {
    log::error("worker failed", {{"error", e.what()}});
    std::cerr << "htut worker: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace htut::cmd

// htut web: wires configuration, services and the HTTP server together.
#include <iostream>

#include "cmd/htut/commands.hpp"
#include "config/config.hpp"
#include "db/documents.hpp"
#include "db/pool.hpp"
#include "log/log.hpp"
#include "queue/options.hpp"
#include "queue/publisher.hpp"
#include "storage/storage.hpp"
#include "web/app.hpp"
#include "web/server.hpp"
#include "web/status_hub.hpp"

namespace htut::cmd {

int web_main(const Args& args) {
  if (!no_arguments("web", args)) return 2;
  auto loaded = load_role_config("web");
  if (!loaded) return 1;
  const config::Config& cfg = *loaded;
  try {
    auto storage = storage::make_storage(cfg.s3);
    // Blocking calls (database, storage, broker) run here; sized so uploads
    // streaming to storage cannot starve the quick queries.
    int blocking_threads = std::max(8, cfg.web_concurrency * 4);
    db::Pool pool(cfg.database_url, static_cast<std::size_t>(blocking_threads));
    db::Documents documents(pool);
    queue::ConnectOptions amqp;
    amqp.connection_name = "web publisher";
    queue::Publisher publisher(cfg.amqp_url, amqp);
    web::StatusHub hub(cfg.database_url);
    hub.start();
    boost::asio::thread_pool blocking(static_cast<std::size_t>(blocking_threads));
    // Uploads hold memory from UPLOAD_MEMORY_BYTES, not threads: these
    // threads only write parts that have fully arrived (never wait for a
    // client), so a handful serve any number of uploads. Beyond max_uploads
    // in progress, 503 with Retry-After.
    const int max_uploads = 500;
    boost::asio::thread_pool uploads(static_cast<std::size_t>(std::max(8, cfg.web_concurrency * 4)));

    web::App app(cfg, {storage.get(), &documents, &publisher, &hub}, blocking, uploads, max_uploads);
    web::ServerOptions options;
    options.port = static_cast<unsigned short>(cfg.port);
    options.threads = cfg.web_concurrency;
    web::Server server(options, app);
    app.attach(server);
    server.run();
    uploads.join();
    blocking.join();
    hub.stop();
    return 0;
  } catch (const std::exception& e) {
    log::error("web failed", {{"error", e.what()}});
    std::cerr << "htut web: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace htut::cmd

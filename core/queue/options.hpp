#pragma once
// How Publisher and Consumer connect to the broker.
#include <chrono>
#include <string>

namespace htut::queue {

struct ConnectOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP (+TLS) connect
  std::chrono::milliseconds rpc_timeout{10000};     // login handshake and every RPC
  // rabbitmq-c has no background thread: heartbeats are only serviced while
  // the owner is inside a library call, so it must call in at least this
  // often (the worker polls while a job is counted on another thread).
  int heartbeat_seconds = 30;
  std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";  // Debian's CA bundle, for amqps://
  // The role part of the connection_name client property, which reads
  // "htut <role> dyno=<$DYNO or host> pid=<pid>" (rabbitmqctl list_connections).
  std::string connection_name = "client";
};

}  // namespace htut::queue

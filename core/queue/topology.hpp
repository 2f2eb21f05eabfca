#pragma once
// Names shared by the web role (publisher) and the worker (consumer). Both
// declare the same topology on connect, so whichever starts first creates it.
namespace htut::queue {

// Durable job queue on the default exchange; rejected (requeue=false)
// messages are dead-lettered to kDeadQueue.
inline constexpr const char* kJobQueue = "countwords";
// Durable queue of poison messages, for an operator to inspect.
inline constexpr const char* kDeadQueue = "countwords.dead";

}  // namespace htut::queue

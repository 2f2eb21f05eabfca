#pragma once
// Running blocking calls (libpq, libcurl, rabbitmq-c) off the I/O threads.
//
// run_blocking(pool, f): a coroutine awaits f() executed on the blocking pool
// and resumes on its own executor. Exceptions thrown by f propagate.
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

#include "web/net.hpp"

namespace htut::web {

// A one-shot wake-up usable across threads: the waiter co_awaits wait(), any
// thread calls notify(). notify() before wait() is remembered.
class AsyncSignal : public std::enable_shared_from_this<AsyncSignal> {
 public:
  explicit AsyncSignal(net::any_io_executor ex) : timer_(ex) { timer_.expires_at(net::steady_timer::time_point::max()); }

  void notify() {
    {
      std::lock_guard lock(mutex_);
      if (notified_) return;
      notified_ = true;
    }
    // Timers are not thread-safe: cancel on the timer's own executor.
    net::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
  }

  // Waits until notified or until the deadline; true when notified.
  awaitable<bool> wait_until(net::steady_timer::time_point deadline) {
    {
      std::lock_guard lock(mutex_);
      if (notified_) co_return true;
    }
    net::steady_timer deadline_timer(timer_.get_executor());
    deadline_timer.expires_at(deadline);
    using namespace net::experimental::awaitable_operators;
    co_await (timer_.async_wait(net::as_tuple(net::use_awaitable)) ||
              deadline_timer.async_wait(net::as_tuple(net::use_awaitable)));
    std::lock_guard lock(mutex_);
    co_return notified_;
  }

 private:
  std::mutex mutex_;
  bool notified_ = false;
  net::steady_timer timer_;
};

template <class F>
awaitable<std::invoke_result_t<F>> run_blocking(net::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F>;
  auto ex = co_await net::this_coro::executor;
  auto done = std::make_shared<AsyncSignal>(ex);
  auto result = std::make_shared<std::optional<std::conditional_t<std::is_void_v<R>, bool, R>>>();
  auto error = std::make_shared<std::exception_ptr>();
  net::post(pool, [f = std::move(f), done, result, error]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        f();
        result->emplace(true);
      } else {
        result->emplace(f());
      }
    } catch (...) {
      *error = std::current_exception();
    }
    done->notify();
  });
  co_await done->wait_until(net::steady_timer::time_point::max());
  if (*error) std::rethrow_exception(*error);
  if constexpr (!std::is_void_v<R>) co_return std::move(**result);
}

// A blocking call started now on the pool and awaited later, for work that
// runs alongside the coroutine (the storage upload fed by the request body).
template <class R>
class BackgroundTask {
 public:
  template <class F>
  BackgroundTask(net::thread_pool& pool, net::any_io_executor ex, F f) : state_(std::make_shared<State>(ex)) {
    net::post(pool, [f = std::move(f), state = state_]() mutable {
      try {
        state->value.emplace(f());
      } catch (...) {
        state->error = std::current_exception();
      }
      state->done->notify();
    });
  }

  awaitable<R> result() {
    co_await state_->done->wait_until(net::steady_timer::time_point::max());
    if (state_->error) std::rethrow_exception(state_->error);
    co_return std::move(*state_->value);
  }

 private:
  struct State {
    explicit State(net::any_io_executor ex) : done(std::make_shared<AsyncSignal>(ex)) {}
    std::shared_ptr<AsyncSignal> done;
    std::optional<R> value;
    std::exception_ptr error;
  };
  std::shared_ptr<State> state_;
};

}  // namespace htut::web

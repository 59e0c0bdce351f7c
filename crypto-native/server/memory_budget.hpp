// A cap on the memory that concurrent Argon2id calls (PwHash, PwVerify) hold at once: each call
// leases the bytes it will allocate before it starts, waits its turn (first come, first served)
// while they do not fit, and gives up after a bounded wait or when too many calls already wait.
// Without it, eight concurrent 256 MiB hashes took 1.5 GB.
#ifndef ANOCHAT_SERVER_MEMORY_BUDGET_HPP
#define ANOCHAT_SERVER_MEMORY_BUDGET_HPP

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

namespace anochat::server {

class MemoryBudget {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    uint64_t capacity_bytes;            // held at once by all running calls together
    size_t max_waiting;                 // calls that may wait for memory; more are refused at once
    std::chrono::milliseconds max_wait; // how long one call waits at most (or until its deadline)
  };

  enum class Refusal { kNone, kTooManyWaiting, kTimedOut };

  // Holds `bytes` of the budget until destroyed; `granted()` is false when the lease was refused.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    bool granted() const { return refusal_ == Refusal::kNone; }
    Refusal refusal() const { return refusal_; }

   private:
    friend class MemoryBudget;
    Lease(MemoryBudget* budget, uint64_t bytes, Refusal refusal)
        : budget_(budget), bytes_(bytes), refusal_(refusal) {}

    MemoryBudget* budget_;
    uint64_t bytes_;
    Refusal refusal_;
  };

  explicit MemoryBudget(Limits limits) : limits_(limits) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  const Limits& limits() const { return limits_; }

  // Waits until `bytes` fit beside what running calls hold and every earlier waiter has gone,
  // at most until `deadline` or limits().max_wait. `bytes` must not exceed the capacity.
  Lease acquire(uint64_t bytes, Clock::time_point deadline);

  uint64_t in_use() const;
  size_t waiting() const;

 private:
  void release(uint64_t bytes);

  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<uint64_t> queue_;  // tickets of the waiting calls, in arrival order
  uint64_t next_ticket_ = 0;
  uint64_t in_use_ = 0;
};

}  // namespace anochat::server

#endif

#include "memory_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace anochat::server {
namespace {

using std::chrono::milliseconds;

MemoryBudget::Clock::time_point in(milliseconds delay) { return MemoryBudget::Clock::now() + delay; }

TEST(MemoryBudget, GrantsWhatFitsAndReleasesWithTheLease) {
  MemoryBudget budget({100, 4, milliseconds(1000)});
  {
    const MemoryBudget::Lease a = budget.acquire(60, in(milliseconds(1000)));
    const MemoryBudget::Lease b = budget.acquire(40, in(milliseconds(1000)));
    EXPECT_TRUE(a.granted());
    EXPECT_TRUE(b.granted());
    EXPECT_EQ(budget.in_use(), 100u);
  }
  EXPECT_EQ(budget.in_use(), 0u);
}

TEST(MemoryBudget, AWaiterRunsOnceMemoryIsReleased) {
  MemoryBudget budget({100, 4, milliseconds(5000)});
  auto first = std::make_unique<MemoryBudget::Lease>(budget.acquire(100, in(milliseconds(5000))));
  auto second = std::async(std::launch::async,
                           [&] { return budget.acquire(50, in(milliseconds(5000))).granted(); });
  while (budget.waiting() == 0) std::this_thread::yield();
  EXPECT_EQ(second.wait_for(milliseconds(50)), std::future_status::timeout);
  first.reset();
  EXPECT_TRUE(second.get());
}

TEST(MemoryBudget, GivesUpAtTheDeadlineOrTheLongestWait) {
  MemoryBudget budget({100, 4, milliseconds(30)});
  const MemoryBudget::Lease held = budget.acquire(100, in(milliseconds(1000)));
  const auto started = MemoryBudget::Clock::now();
  const MemoryBudget::Lease late = budget.acquire(1, in(milliseconds(10'000)));
  EXPECT_EQ(late.refusal(), MemoryBudget::Refusal::kTimedOut);
  EXPECT_GE(MemoryBudget::Clock::now() - started, milliseconds(30));
  const MemoryBudget::Lease past = budget.acquire(1, in(milliseconds(0)));
  EXPECT_EQ(past.refusal(), MemoryBudget::Refusal::kTimedOut);
  EXPECT_EQ(budget.waiting(), 0u);
  EXPECT_EQ(budget.in_use(), 100u);
}

TEST(MemoryBudget, RefusesAtOnceWhenTooManyWait) {
  MemoryBudget budget({100, 1, milliseconds(5000)});
  auto held = std::make_unique<MemoryBudget::Lease>(budget.acquire(100, in(milliseconds(5000))));
  auto waiter = std::async(std::launch::async,
                           [&] { return budget.acquire(10, in(milliseconds(5000))).granted(); });
  while (budget.waiting() == 0) std::this_thread::yield();
  EXPECT_EQ(budget.acquire(10, in(milliseconds(5000))).refusal(),
            MemoryBudget::Refusal::kTooManyWaiting);
  held.reset();
  EXPECT_TRUE(waiter.get());
}

TEST(MemoryBudget, FirstComeFirstServedSoLargeCallsAreNotStarved) {
  MemoryBudget budget({100, 8, milliseconds(5000)});
  auto held = std::make_unique<MemoryBudget::Lease>(budget.acquire(60, in(milliseconds(5000))));
  // The large call waits first; a small one that would fit right now must queue behind it.
  std::atomic<int> order{0};
  std::atomic<int> large_at{-1}, small_at{-1};
  auto large = std::async(std::launch::async, [&] {
    const MemoryBudget::Lease lease = budget.acquire(100, in(milliseconds(5000)));
    large_at = order++;
    return lease.granted();
  });
  while (budget.waiting() == 0) std::this_thread::yield();
  auto small = std::async(std::launch::async, [&] {
    const MemoryBudget::Lease lease = budget.acquire(10, in(milliseconds(5000)));
    small_at = order++;
    return lease.granted();
  });
  while (budget.waiting() < 2) std::this_thread::yield();
  held.reset();
  EXPECT_TRUE(large.get());
  EXPECT_TRUE(small.get());
  EXPECT_LT(large_at.load(), small_at.load());
}

TEST(MemoryBudget, NeverHoldsMoreThanItsCapacityUnderContention) {
  MemoryBudget budget({256, 64, milliseconds(10'000)});
  std::atomic<uint64_t> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; i++) {
        const MemoryBudget::Lease lease = budget.acquire(32 + 32 * ((t + i) % 4), in(milliseconds(10'000)));
        ASSERT_TRUE(lease.granted());
        uint64_t now = budget.in_use(), seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(peak.load(), 256u);
  EXPECT_GT(peak.load(), 64u);
  EXPECT_EQ(budget.in_use(), 0u);
}

}  // namespace
}  // namespace anochat::server

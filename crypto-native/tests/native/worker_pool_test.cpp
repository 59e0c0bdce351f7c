#include "worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace anochat::server {
namespace {

TEST(WorkerPool, RunsEveryPartExactlyOnce) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.thread_count(), 3u);
  for (size_t parts : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{100}}) {
    std::vector<std::atomic<int>> runs(parts);
    pool.run(parts, [&](size_t i) { runs[i]++; });
    for (size_t i = 0; i < parts; i++) EXPECT_EQ(runs[i].load(), 1) << "part " << i << " of " << parts;
  }
}

TEST(WorkerPool, SpreadsPartsOverSeveralThreads) {
  WorkerPool pool(2);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  pool.run(8, [&](size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_GE(threads.size(), 2u);
}

TEST(WorkerPool, ServesConcurrentCallers) {
  WorkerPool pool(2);
  std::atomic<size_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; c++)
    callers.emplace_back([&] {
      for (int round = 0; round < 50; round++) pool.run(16, [&](size_t) { total++; });
    });
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(total.load(), 4u * 50u * 16u);
}

TEST(WorkerPool, WorksWithoutWorkerThreads) {
  WorkerPool pool(0);
  size_t sum = 0;
  pool.run(10, [&](size_t i) { sum += i; });
  EXPECT_EQ(sum, 45u);
}

}  // namespace
}  // namespace anochat::server

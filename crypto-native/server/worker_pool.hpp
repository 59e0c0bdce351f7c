// A fixed set of threads that run the parts of a data-parallel job (VerifyBatch), so that a large
// batch uses every core without spawning threads per call.
#ifndef ANOCHAT_SERVER_WORKER_POOL_HPP
#define ANOCHAT_SERVER_WORKER_POOL_HPP

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace anochat::server {

class WorkerPool {
 public:
  explicit WorkerPool(unsigned thread_count);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned thread_count() const { return static_cast<unsigned>(threads_.size()); }

  // Runs part(0) .. part(parts - 1) on the workers and on the calling thread, and returns once
  // all of them have finished. Safe to call from many threads at once. `part` must not throw.
  void run(size_t parts, const std::function<void(size_t)>& part);

 private:
  struct Job;

  void work();
  static void run_parts(Job& job);

  std::mutex mutex_;
  std::condition_variable job_queued_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace anochat::server

#endif

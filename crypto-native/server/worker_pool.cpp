#include "worker_pool.hpp"

#include <algorithm>
#include <atomic>

namespace anochat::server {

// Parts are claimed one at a time through `next`, so fast threads take more of them; the job
// is shared with the workers because one may dequeue it after its caller has already returned.
struct WorkerPool::Job {
  const std::function<void(size_t)>* part;
  size_t parts;
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::condition_variable all_done;
  size_t done = 0;
};

WorkerPool::WorkerPool(unsigned thread_count) {
  threads_.reserve(thread_count);
  for (unsigned i = 0; i < thread_count; i++) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  job_queued_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::run(size_t parts, const std::function<void(size_t)>& part) {
  if (parts == 0) return;
  auto job = std::make_shared<Job>();
  job->part = &part;
  job->parts = parts;
  // One queue entry per helper wanted; the caller itself is one more.
  const size_t helpers = std::min<size_t>(threads_.size(), parts - 1);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < helpers; i++) queue_.push_back(job);
  }
  for (size_t i = 0; i < helpers; i++) job_queued_.notify_one();
  run_parts(*job);
  std::unique_lock<std::mutex> lock(job->mutex);
  job->all_done.wait(lock, [&] { return job->done == job->parts; });
}

void WorkerPool::run_parts(Job& job) {
  for (size_t index = job.next++; index < job.parts; index = job.next++) {
    (*job.part)(index);
    std::lock_guard<std::mutex> lock(job.mutex);
    if (++job.done == job.parts) job.all_done.notify_all();
  }
}

void WorkerPool::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      job_queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to help with
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    run_parts(*job);
  }
}

}  // namespace anochat::server

#include "memory_budget.hpp"

#include <algorithm>

namespace anochat::server {

MemoryBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(other.budget_), bytes_(other.bytes_), refusal_(other.refusal_) {
  other.budget_ = nullptr;
}

MemoryBudget::Lease::~Lease() {
  if (budget_ != nullptr && granted()) budget_->release(bytes_);
}

MemoryBudget::Lease MemoryBudget::acquire(uint64_t bytes, Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (queue_.empty() && in_use_ + bytes <= limits_.capacity_bytes) {
    in_use_ += bytes;
    return Lease(this, bytes, Refusal::kNone);
  }
  if (queue_.size() >= limits_.max_waiting) return Lease(nullptr, 0, Refusal::kTooManyWaiting);

  const uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  const Clock::time_point give_up = std::min(deadline, Clock::now() + limits_.max_wait);
  const bool fits = changed_.wait_until(lock, give_up, [&] {
    return queue_.front() == ticket && in_use_ + bytes <= limits_.capacity_bytes;
  });
  queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
  if (fits) in_use_ += bytes;
  // The next in line may fit now (it was behind this call, or this call gave up its place).
  changed_.notify_all();
  return fits ? Lease(this, bytes, Refusal::kNone) : Lease(nullptr, 0, Refusal::kTimedOut);
}

void MemoryBudget::release(uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_ -= bytes;
  }
  changed_.notify_all();
}

uint64_t MemoryBudget::in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

size_t MemoryBudget::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

}  // namespace anochat::server

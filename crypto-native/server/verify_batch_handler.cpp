// VerifyBatch: items are cut into contiguous ranges; each range is packed and verified with one
// anochat_sign_verify_batch call, the ranges in parallel on the worker pool for large batches.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "handlers.hpp"
#include "limits.hpp"
#include "request_errors.hpp"

namespace anochat::server {
namespace {

// Enough ranges per thread to even out uneven message sizes, but not so small that packing
// and scheduling outweigh the ~50 us of one verification.
constexpr size_t kRangesPerThread = 4;
constexpr size_t kMinItemsPerRange = 8;

bool is_well_formed(const v1::SignedMessage& item) {
  return item.public_key().size() == ANOCHAT_SIGN_PUBLICKEYBYTES &&
         item.signature().size() == ANOCHAT_SIGN_BYTES;
}

// Verifies items [begin, end) into valid[begin, end). Malformed items never reach the core:
// the packed format has no room for a key or signature of the wrong size, and they are
// simply not valid.
std::optional<nacl::Error> verify_range(const v1::VerifyBatchRequest& request, size_t begin,
                                        size_t end, uint8_t* valid) {
  std::string public_keys, signatures, messages;
  std::vector<uint32_t> message_lengths;
  std::vector<size_t> packed_items;
  for (size_t i = begin; i < end; i++) {
    const v1::SignedMessage& item = request.items(static_cast<int>(i));
    valid[i] = 0;
    if (!is_well_formed(item)) continue;
    public_keys += item.public_key();
    signatures += item.signature();
    messages += item.message();
    message_lengths.push_back(static_cast<uint32_t>(item.message().size()));
    packed_items.push_back(i);
  }
  auto results = nacl::sign_verify_batch(public_keys, signatures, messages, message_lengths);
  if (!results.ok()) return results.error();
  for (size_t k = 0; k < packed_items.size(); k++) valid[packed_items[k]] = results.value()[k];
  return std::nullopt;
}

}  // namespace

grpc::Status verify_batch(const v1::VerifyBatchRequest& request, v1::VerifyBatchResponse* response,
                          WorkerPool& pool) {
  const size_t count = static_cast<size_t>(request.items_size());
  if (count > limits::kMaxVerifyBatchItems)
    return too_large("items", std::to_string(count) + " items, at most " +
                                      std::to_string(limits::kMaxVerifyBatchItems) + " allowed");

  std::vector<uint8_t> valid(count, 0);
  // The core's error text is thread-local, so each range keeps its own error.
  std::vector<std::optional<nacl::Error>> range_errors;
  if (count < kParallelVerifyThreshold) {
    range_errors.push_back(verify_range(request, 0, count, valid.data()));
  } else {
    const size_t wanted = std::max<size_t>(1, pool.thread_count()) * kRangesPerThread;
    const size_t ranges = std::min(wanted, count / kMinItemsPerRange);
    range_errors.resize(ranges);
    pool.run(ranges, [&](size_t r) {
      range_errors[r] =
          verify_range(request, count * r / ranges, count * (r + 1) / ranges, valid.data());
    });
  }
  for (const std::optional<nacl::Error>& error : range_errors) {
    if (error) return core_error("items", *error);
  }

  response->mutable_valid()->Reserve(static_cast<int>(count));
  for (uint8_t v : valid) response->add_valid(v != 0);
  return grpc::Status::OK;
}

}  // namespace anochat::server

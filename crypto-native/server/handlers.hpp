// The Crypto service's logic as plain functions (request -> response or status), free of any
// gRPC server machinery so the tests can call them directly.
#ifndef ANOCHAT_SERVER_HANDLERS_HPP
#define ANOCHAT_SERVER_HANDLERS_HPP

#include <grpcpp/support/status.h>

#include "crypto.pb.h"
#include "memory_budget.hpp"
#include "worker_pool.hpp"

namespace anochat::server {

namespace v1 = anochat::crypto::v1;

// Batches of at least this many items are split across the worker pool.
constexpr size_t kParallelVerifyThreshold = 32;

grpc::Status verify_batch(const v1::VerifyBatchRequest& request, v1::VerifyBatchResponse* response,
                          WorkerPool& pool);
// Argon2id runs only with a lease on `budget` for the memory it allocates (PwHash: mem_limit;
// PwVerify: the memory the hash string states), obtained by `deadline`: otherwise the answer is
// RESOURCE_EXHAUSTED with the reason UNAVAILABLE (busy: retry later).
grpc::Status pw_hash(const v1::PwHashRequest& request, v1::PwHashResponse* response,
                     MemoryBudget& budget, MemoryBudget::Clock::time_point deadline);
grpc::Status pw_verify(const v1::PwVerifyRequest& request, v1::PwVerifyResponse* response,
                       MemoryBudget& budget, MemoryBudget::Clock::time_point deadline);
grpc::Status seal_to(const v1::SealToRequest& request, v1::SealToResponse* response);
grpc::Status seal_open(const v1::SealOpenRequest& request, v1::SealOpenResponse* response);
grpc::Status health(const v1::HealthRequest& request, v1::HealthResponse* response,
                    const WorkerPool& pool);

}  // namespace anochat::server

#endif

// Limits of schemas/crypto-limits.json that the gRPC surface enforces (CMake passes them as -D).
#ifndef ANOCHAT_SERVER_LIMITS_HPP
#define ANOCHAT_SERVER_LIMITS_HPP

#include <cstddef>
#include <cstdint>

#if !defined(ANOCHAT_MAX_GRPC_MESSAGE_BYTES) || !defined(ANOCHAT_GRPC_PWHASH_MAX_MEM_LIMIT) || \
    !defined(ANOCHAT_MAX_VERIFY_BATCH_ITEMS) || !defined(ANOCHAT_PWHASH_MIN_OPS_LIMIT) ||      \
    !defined(ANOCHAT_PWHASH_MAX_OPS_LIMIT) || !defined(ANOCHAT_PWHASH_MIN_MEM_LIMIT)
#error "server limits missing: build through CMake, which reads schemas/crypto-limits.json"
#endif

namespace anochat::server::limits {

constexpr int kMaxGrpcMessageBytes = ANOCHAT_MAX_GRPC_MESSAGE_BYTES;
constexpr size_t kMaxVerifyBatchItems = ANOCHAT_MAX_VERIFY_BATCH_ITEMS;
constexpr uint64_t kMinOpsLimit = ANOCHAT_PWHASH_MIN_OPS_LIMIT;
constexpr uint64_t kMaxOpsLimit = ANOCHAT_PWHASH_MAX_OPS_LIMIT;
constexpr uint64_t kMinMemLimit = ANOCHAT_PWHASH_MIN_MEM_LIMIT;
// Lower than the core's pwhashMaxMemLimit: many concurrent calls share one server's memory.
constexpr uint64_t kMaxMemLimit = ANOCHAT_GRPC_PWHASH_MAX_MEM_LIMIT;

static_assert(kMaxMemLimit <= UINT32_MAX && kMaxOpsLimit <= UINT32_MAX,
              "pwhash limits must fit the core's uint32 parameters");

}  // namespace anochat::server::limits

#endif

// PwHash and PwVerify: Argon2id password hashing with the server's tighter memory cap, each call
// holding a lease on the server's memory budget while Argon2id runs.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "handlers.hpp"
#include "limits.hpp"
#include "request_errors.hpp"

namespace anochat::server {
namespace {

grpc::Status require_range(std::string_view field, uint64_t value, uint64_t min, uint64_t max,
                           std::string_view unit) {
  if (value >= min && value <= max) return grpc::Status::OK;
  return invalid_field(field, "must be between " + std::to_string(min) + " and " +
                                  std::to_string(max) + std::string(unit) + ", got " +
                                  std::to_string(value));
}

// Argon2id works on 1 KiB blocks; libsodium would silently round a remainder down.
constexpr uint64_t kMemLimitUnit = 1024;

// One call may use at most the server's cap, and never more than the whole budget.
uint64_t largest_mem_limit(const MemoryBudget& budget) {
  return std::min<uint64_t>(limits::kMaxMemLimit, budget.limits().capacity_bytes);
}

grpc::Status busy(std::string_view method, const MemoryBudget& budget,
                  MemoryBudget::Refusal refusal) {
  std::string message(method);
  message += refusal == MemoryBudget::Refusal::kTooManyWaiting
                 ? ": " + std::to_string(budget.limits().max_waiting) +
                       " calls already wait for Argon2id memory; retry later"
                 : ": no Argon2id memory came free within the wait; retry later";
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message, "UNAVAILABLE");
}

// The memory a "$argon2id$v=19$m=<KiB>,..." string makes Argon2id allocate, or 0 when the string
// does not state it that way (the core then refuses it as malformed without allocating).
uint64_t stated_memory_bytes(std::string_view hash) {
  constexpr std::string_view prefix = "$argon2id$v=19$m=";
  if (hash.substr(0, prefix.size()) != prefix) return 0;
  uint64_t kib = 0;
  for (size_t i = prefix.size(); i < hash.size() && hash[i] >= '0' && hash[i] <= '9'; i++) {
    kib = kib * 10 + static_cast<uint64_t>(hash[i] - '0');
    if (kib > (uint64_t{1} << 32)) return UINT64_MAX;
  }
  return kib * kMemLimitUnit;
}

}  // namespace

grpc::Status pw_hash(const v1::PwHashRequest& request, v1::PwHashResponse* response,
                     MemoryBudget& budget, MemoryBudget::Clock::time_point deadline) {
  // Checked here, not only in the core: the fields are 64-bit, and the memory cap is the server's.
  grpc::Status status =
      require_range("ops_limit", request.ops_limit(), limits::kMinOpsLimit, limits::kMaxOpsLimit, "");
  if (!status.ok()) return status;
  status = require_range("mem_limit", request.mem_limit(), limits::kMinMemLimit,
                         largest_mem_limit(budget), " bytes");
  if (!status.ok()) return status;
  if (request.mem_limit() % kMemLimitUnit != 0)
    return invalid_field("mem_limit", "must be a multiple of 1024 bytes, got " +
                                          std::to_string(request.mem_limit()));

  const MemoryBudget::Lease lease = budget.acquire(request.mem_limit(), deadline);
  if (!lease.granted()) return busy("PwHash", budget, lease.refusal());
  auto hash = nacl::pwhash_str(request.password(), static_cast<uint32_t>(request.ops_limit()),
                               static_cast<uint32_t>(request.mem_limit()));
  if (!hash.ok()) return core_error("password", hash.error());
  response->set_hash(std::move(hash).value());
  return grpc::Status::OK;
}

grpc::Status pw_verify(const v1::PwVerifyRequest& request, v1::PwVerifyResponse* response,
                       MemoryBudget& budget, MemoryBudget::Clock::time_point deadline) {
  // A hash that states more memory than this server hashes with was not made here: it does not
  // match (as the core answers for costs outside its limits), and it costs nothing to say so.
  const uint64_t memory = stated_memory_bytes(request.hash());
  if (memory > limits::kMaxMemLimit) {
    response->set_valid(false);
    return grpc::Status::OK;
  }
  // Made here with a larger budget than this server now has: a configuration problem, not a
  // wrong password, and not one to answer by exceeding the budget.
  if (memory > budget.limits().capacity_bytes)
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "PwVerify: the hash states " + std::to_string(memory) +
                            " bytes of memory, above this server's Argon2id memory budget of " +
                            std::to_string(budget.limits().capacity_bytes));
  const MemoryBudget::Lease lease = budget.acquire(memory, deadline);
  if (!lease.granted()) return busy("PwVerify", budget, lease.refusal());
  // A malformed hash string is a non-matching password (the core answers FAILED), not an error.
  auto matches = nacl::pwhash_str_verify(request.hash(), request.password());
  if (!matches.ok()) return core_error("password", matches.error());
  response->set_valid(matches.value());
  return grpc::Status::OK;
}

}  // namespace anochat::server

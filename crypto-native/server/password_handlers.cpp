// PwHash and PwVerify: Argon2id password hashing with the server's tighter memory cap.
#include <string>

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

}  // namespace

grpc::Status pw_hash(const v1::PwHashRequest& request, v1::PwHashResponse* response) {
  // Checked here, not only in the core: the fields are 64-bit, and the memory cap is the server's.
  grpc::Status status =
      require_range("ops_limit", request.ops_limit(), limits::kMinOpsLimit, limits::kMaxOpsLimit, "");
  if (!status.ok()) return status;
  status = require_range("mem_limit", request.mem_limit(), limits::kMinMemLimit,
                         limits::kMaxMemLimit, " bytes");
  if (!status.ok()) return status;

  auto hash = nacl::pwhash_str(request.password(), static_cast<uint32_t>(request.ops_limit()),
                               static_cast<uint32_t>(request.mem_limit()));
  if (!hash.ok()) return core_error("password", hash.error());
  response->set_hash(std::move(hash).value());
  return grpc::Status::OK;
}

grpc::Status pw_verify(const v1::PwVerifyRequest& request, v1::PwVerifyResponse* response) {
  // A malformed hash string is a non-matching password (the core answers FAILED), not an error.
  auto matches = nacl::pwhash_str_verify(request.hash(), request.password());
  if (!matches.ok()) return core_error("password", matches.error());
  response->set_valid(matches.value());
  return grpc::Status::OK;
}

}  // namespace anochat::server

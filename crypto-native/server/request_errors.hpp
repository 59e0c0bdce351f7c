// How handlers turn a bad request or a core error into a gRPC status.
#ifndef ANOCHAT_SERVER_REQUEST_ERRORS_HPP
#define ANOCHAT_SERVER_REQUEST_ERRORS_HPP

#include <cstddef>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

#include "anochat/nacl.hpp"

namespace anochat::server {

// INVALID_ARGUMENT "<field>: <problem>"; every INVALID_ARGUMENT also carries a reason code
// (INVALID_LENGTH, TOO_LARGE, WEAK_KEY or INVALID_ARGUMENT) in its status details.
grpc::Status invalid_field(std::string_view field, std::string_view problem);

// INVALID_ARGUMENT "<field>: <problem>" with the reason TOO_LARGE.
grpc::Status too_large(std::string_view field, std::string_view problem);

// INVALID_ARGUMENT "<field>: must be <size> bytes, got <actual>" unless `actual == size`.
grpc::Status require_size(std::string_view field, size_t actual, size_t size);

// A core error for a request that passed the handler's own checks: request problems the core
// still found become INVALID_ARGUMENT naming `field`; ANOCHAT_E_INTERNAL becomes INTERNAL.
grpc::Status core_error(std::string_view field, const nacl::Error& error);

}  // namespace anochat::server

#endif

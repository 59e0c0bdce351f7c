#include "request_errors.hpp"

namespace anochat::server {

namespace {

// The core's status names, as the TypeScript providers spell their error codes.
std::string_view reason_of(int status) {
  switch (status) {
    case ANOCHAT_E_INVALID_LENGTH:
      return "INVALID_LENGTH";
    case ANOCHAT_E_TOO_LARGE:
      return "TOO_LARGE";
    case ANOCHAT_E_EMPTY:
      return "EMPTY";
    case ANOCHAT_E_WEAK_KEY:
      return "WEAK_KEY";
    default:
      return "INVALID_ARGUMENT";
  }
}

// The reason travels as the status details (the grpc-status-details-bin trailer), so a client
// tells a weak key from a wrong length without parsing English.
grpc::Status invalid(std::string_view field, std::string_view problem, std::string_view reason) {
  std::string message(field);
  message += ": ";
  message += problem;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message, std::string(reason));
}

}  // namespace

grpc::Status invalid_field(std::string_view field, std::string_view problem) {
  return invalid(field, problem, "INVALID_ARGUMENT");
}

grpc::Status too_large(std::string_view field, std::string_view problem) {
  return invalid(field, problem, "TOO_LARGE");
}

grpc::Status require_size(std::string_view field, size_t actual, size_t size) {
  if (actual == size) return grpc::Status::OK;
  return invalid(field, "must be " + std::to_string(size) + " bytes, got " + std::to_string(actual),
                 "INVALID_LENGTH");
}

grpc::Status core_error(std::string_view field, const nacl::Error& error) {
  if (error.status == ANOCHAT_E_INTERNAL)
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string(error.message));
  return invalid(field, error.message, reason_of(error.status));
}

}  // namespace anochat::server

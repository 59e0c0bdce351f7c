#include "crypto_service.hpp"

#include <chrono>
#include <cstdio>

#include "handlers.hpp"
#include "request_errors.hpp"

namespace anochat::server {
namespace {

// Server-side failures go to stderr. Client mistakes (INVALID_ARGUMENT) and a busy server
// (RESOURCE_EXHAUSTED) are the client's to log, and nothing from a request is ever printed: the
// channel carries keys and passwords.
grpc::Status logged(const char* method, grpc::Status status) {
  if (status.error_code() == grpc::StatusCode::INTERNAL ||
      status.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
    std::fprintf(stderr, "%s failed: %s\n", method, status.error_message().c_str());
  return status;
}

// Reads the one request, runs `handle` on it and sends the response when it succeeded.
template <class Request, class Response, class Handle>
grpc::Status serve(const char* method, grpc::ServerUnaryStreamer<Request, Response>* stream,
                   Handle handle) {
  Request request;
  if (!stream->Read(&request))
    return invalid_field("request", "is not a valid " + Request::descriptor()->full_name() +
                                        " protobuf message");
  Response response;
  grpc::Status status = logged(method, handle(request, &response));
  if (status.ok()) stream->Write(response);
  return status;
}

// The call's own deadline, as a steady-clock time point the memory budget can wait until.
MemoryBudget::Clock::time_point deadline_of(const grpc::ServerContext* context) {
  const auto remaining = context->deadline() - std::chrono::system_clock::now();
  const auto longest = std::chrono::hours(24);
  return MemoryBudget::Clock::now() +
         std::chrono::duration_cast<MemoryBudget::Clock::duration>(
             remaining > longest ? longest : remaining);
}

}  // namespace

grpc::Status CryptoService::StreamedVerifyBatch(
    grpc::ServerContext*,
    grpc::ServerUnaryStreamer<v1::VerifyBatchRequest, v1::VerifyBatchResponse>* stream) {
  return serve("VerifyBatch", stream, [&](const auto& request, auto* response) {
    return verify_batch(request, response, pool_);
  });
}

grpc::Status CryptoService::StreamedPwHash(
    grpc::ServerContext* context,
    grpc::ServerUnaryStreamer<v1::PwHashRequest, v1::PwHashResponse>* stream) {
  return serve("PwHash", stream, [&](const auto& request, auto* response) {
    return pw_hash(request, response, pwhash_budget_, deadline_of(context));
  });
}

grpc::Status CryptoService::StreamedPwVerify(
    grpc::ServerContext* context,
    grpc::ServerUnaryStreamer<v1::PwVerifyRequest, v1::PwVerifyResponse>* stream) {
  return serve("PwVerify", stream, [&](const auto& request, auto* response) {
    return pw_verify(request, response, pwhash_budget_, deadline_of(context));
  });
}

grpc::Status CryptoService::StreamedSealTo(
    grpc::ServerContext*, grpc::ServerUnaryStreamer<v1::SealToRequest, v1::SealToResponse>* stream) {
  return serve("SealTo", stream,
               [](const auto& request, auto* response) { return seal_to(request, response); });
}

grpc::Status CryptoService::StreamedSealOpen(
    grpc::ServerContext*,
    grpc::ServerUnaryStreamer<v1::SealOpenRequest, v1::SealOpenResponse>* stream) {
  return serve("SealOpen", stream,
               [](const auto& request, auto* response) { return seal_open(request, response); });
}

grpc::Status CryptoService::StreamedHealth(
    grpc::ServerContext*, grpc::ServerUnaryStreamer<v1::HealthRequest, v1::HealthResponse>* stream) {
  return serve("Health", stream, [&](const auto& request, auto* response) {
    return health(request, response, pool_);
  });
}

}  // namespace anochat::server

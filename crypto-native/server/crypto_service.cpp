#include "crypto_service.hpp"

#include <cstdio>

#include "handlers.hpp"

namespace anochat::server {
namespace {

// Server-side failures go to stderr. Client mistakes (INVALID_ARGUMENT) are the client's to
// log, and nothing from a request is ever printed: the channel carries keys and passwords.
grpc::Status logged(const char* method, grpc::Status status) {
  if (status.error_code() == grpc::StatusCode::INTERNAL)
    std::fprintf(stderr, "%s failed: %s\n", method, status.error_message().c_str());
  return status;
}

}  // namespace

grpc::Status CryptoService::VerifyBatch(grpc::ServerContext*, const v1::VerifyBatchRequest* request,
                                        v1::VerifyBatchResponse* response) {
  return logged("VerifyBatch", verify_batch(*request, response, pool_));
}

grpc::Status CryptoService::PwHash(grpc::ServerContext*, const v1::PwHashRequest* request,
                                   v1::PwHashResponse* response) {
  return logged("PwHash", pw_hash(*request, response));
}

grpc::Status CryptoService::PwVerify(grpc::ServerContext*, const v1::PwVerifyRequest* request,
                                     v1::PwVerifyResponse* response) {
  return logged("PwVerify", pw_verify(*request, response));
}

grpc::Status CryptoService::SealTo(grpc::ServerContext*, const v1::SealToRequest* request,
                                   v1::SealToResponse* response) {
  return logged("SealTo", seal_to(*request, response));
}

grpc::Status CryptoService::SealOpen(grpc::ServerContext*, const v1::SealOpenRequest* request,
                                     v1::SealOpenResponse* response) {
  return logged("SealOpen", seal_open(*request, response));
}

grpc::Status CryptoService::Health(grpc::ServerContext*, const v1::HealthRequest* request,
                                   v1::HealthResponse* response) {
  return logged("Health", health(*request, response, pool_));
}

}  // namespace anochat::server

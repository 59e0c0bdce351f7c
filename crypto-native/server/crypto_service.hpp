// gRPC glue: the generated Crypto service, forwarding each call to its handler.
//
// Every method is registered as a "streamed unary" method, so that the request is parsed here
// rather than inside gRPC: gRPC answers a request it cannot parse with INTERNAL and no reason,
// where this service answers INVALID_ARGUMENT with the reason INVALID_ARGUMENT, as for any other
// bad request.
#ifndef ANOCHAT_SERVER_CRYPTO_SERVICE_HPP
#define ANOCHAT_SERVER_CRYPTO_SERVICE_HPP

#include "crypto.grpc.pb.h"
#include "memory_budget.hpp"
#include "worker_pool.hpp"

namespace anochat::server {

namespace v1 = anochat::crypto::v1;

class CryptoService final : public v1::Crypto::StreamedUnaryService {
 public:
  CryptoService(WorkerPool& pool, MemoryBudget& pwhash_budget)
      : pool_(pool), pwhash_budget_(pwhash_budget) {}

  grpc::Status StreamedVerifyBatch(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<v1::VerifyBatchRequest, v1::VerifyBatchResponse>* stream) override;
  grpc::Status StreamedPwHash(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<v1::PwHashRequest, v1::PwHashResponse>* stream) override;
  grpc::Status StreamedPwVerify(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<v1::PwVerifyRequest, v1::PwVerifyResponse>* stream) override;
  grpc::Status StreamedSealTo(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<v1::SealToRequest, v1::SealToResponse>* stream) override;
  grpc::Status StreamedSealOpen(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<v1::SealOpenRequest, v1::SealOpenResponse>* stream) override;
  grpc::Status StreamedHealth(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<v1::HealthRequest, v1::HealthResponse>* stream) override;

 private:
  WorkerPool& pool_;
  MemoryBudget& pwhash_budget_;
};

}  // namespace anochat::server

#endif

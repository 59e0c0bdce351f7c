// gRPC glue: the generated Crypto::Service, forwarding each call to its handler.
#ifndef ANOCHAT_SERVER_CRYPTO_SERVICE_HPP
#define ANOCHAT_SERVER_CRYPTO_SERVICE_HPP

#include "crypto.grpc.pb.h"
#include "worker_pool.hpp"

namespace anochat::server {

namespace v1 = anochat::crypto::v1;

class CryptoService final : public v1::Crypto::Service {
 public:
  explicit CryptoService(WorkerPool& pool) : pool_(pool) {}

  grpc::Status VerifyBatch(grpc::ServerContext*, const v1::VerifyBatchRequest* request,
                           v1::VerifyBatchResponse* response) override;
  grpc::Status PwHash(grpc::ServerContext*, const v1::PwHashRequest* request,
                      v1::PwHashResponse* response) override;
  grpc::Status PwVerify(grpc::ServerContext*, const v1::PwVerifyRequest* request,
                        v1::PwVerifyResponse* response) override;
  grpc::Status SealTo(grpc::ServerContext*, const v1::SealToRequest* request,
                      v1::SealToResponse* response) override;
  grpc::Status SealOpen(grpc::ServerContext*, const v1::SealOpenRequest* request,
                        v1::SealOpenResponse* response) override;
  grpc::Status Health(grpc::ServerContext*, const v1::HealthRequest* request,
                      v1::HealthResponse* response) override;

 private:
  WorkerPool& pool_;
};

}  // namespace anochat::server

#endif

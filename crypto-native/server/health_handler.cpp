#include <string>

#include "anochat/nacl.hpp"
#include "handlers.hpp"

namespace anochat::server {

grpc::Status health(const v1::HealthRequest&, v1::HealthResponse* response,
                    const WorkerPool& pool) {
  response->set_serving(true);
  response->set_libsodium_version(std::string(nacl::libsodium_version()));
  response->set_worker_threads(pool.thread_count());
  return grpc::Status::OK;
}

}  // namespace anochat::server

// anochat-crypto-server: serves schemas/crypto.proto over gRPC until SIGTERM or SIGINT.
// Prints "listening on ADDR" on stdout once ready (the Node side waits for that line).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>

#include "anochat/nacl.hpp"
#include "crypto_service.hpp"
#include "limits.hpp"
#include "memory_budget.hpp"
#include "options.hpp"
#include "termination_signals.hpp"
#include "worker_pool.hpp"

namespace {

// Calls in flight get this long to finish after a termination signal before being cancelled.
constexpr std::chrono::seconds kShutdownGrace{10};

}  // namespace

int main(int argc, char** argv) {
  using namespace anochat::server;
  block_termination_signals();  // before gRPC or the pool start any thread

  const Options options = parse_options(std::vector<std::string>(argv + 1, argv + argc),
                                       [](const char* name) { return std::getenv(name); });
  if (options.show_help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!options.error.empty()) {
    std::fprintf(stderr, "anochat-crypto-server: %s\n%s", options.error.c_str(), kUsage);
    return 2;
  }
  // One gRPC reference held for the whole process, so gRPC's global teardown never runs at exit:
  // with libgrpc 1.51 it can stall ~10 s joining an internal executor thread parked in epoll
  // (seen after rejecting an oversized message). Every call has finished by then anyway.
  grpc_init();
  if (anochat::nacl::init() != ANOCHAT_OK) {
    std::fprintf(stderr, "anochat-crypto-server: %s\n", anochat_last_error());
    return 1;
  }
  if (!is_local_address(options.listen_address))
    std::fprintf(stderr,
                 "anochat-crypto-server: warning: %s is not a unix socket or loopback address; "
                 "this channel carries secret keys and passwords\n",
                 options.listen_address.c_str());

  WorkerPool pool(std::max(1u, std::thread::hardware_concurrency()));
  MemoryBudget pwhash_budget(options.pwhash);
  CryptoService service(pool, pwhash_budget);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(limits::kMaxGrpcMessageBytes);
  // gRPC enables SO_REUSEPORT by default: a second server on the same port would silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS,
                              static_cast<int>(pool.thread_count()));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "anochat-crypto-server: cannot listen on %s\n",
                 options.listen_address.c_str());
    return 1;
  }
  std::printf("listening on %s\n", announced_address(options.listen_address, bound_port).c_str());
  std::fflush(stdout);

  const int signal_number = wait_for_termination_signal();
  std::fprintf(stderr, "anochat-crypto-server: signal %d, shutting down\n", signal_number);
  server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server->Wait();
  return 0;
}

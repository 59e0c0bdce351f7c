// anochat-crypto-health: asks a running anochat-crypto-server whether it serves, for container
// health checks and Kubernetes exec probes (the image has no shell or gRPC tool to do it with).
// Exit 0 when Health answers serving=true within the deadline, 1 otherwise, 2 on bad usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "crypto.grpc.pb.h"

namespace {

constexpr const char* kProbeUsage =
    "usage: anochat-crypto-health [ADDR]\n"
    "  ADDR is the server's unix:/path/to.sock or HOST:PORT (default: CRYPTO_LISTEN, as the\n"
    "  server reads it). Exits 0 when the server answers Health with serving=true within 2 s.\n";

// A server listening on every interface is asked on loopback.
std::string dial_address(std::string address) {
  for (const char* any : {"0.0.0.0:", "[::]:"}) {
    const std::string prefix = any;
    if (address.compare(0, prefix.size(), prefix) == 0)
      return "127.0.0.1:" + address.substr(prefix.size());
  }
  return address;
}

}  // namespace

int main(int argc, char** argv) {
  const char* from_environment = std::getenv("CRYPTO_LISTEN");
  std::string address;
  if (argc == 2 && std::string(argv[1]) != "--help" && std::string(argv[1]) != "-h") {
    address = argv[1];
  } else if (argc == 1 && from_environment != nullptr && *from_environment != '\0') {
    address = from_environment;
  } else {
    std::fputs(kProbeUsage, argc == 2 ? stdout : stderr);
    return argc == 2 ? 0 : 2;
  }

  const auto channel = grpc::CreateChannel(dial_address(address), grpc::InsecureChannelCredentials());
  const auto stub = anochat::crypto::v1::Crypto::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  anochat::crypto::v1::HealthRequest request;
  anochat::crypto::v1::HealthResponse response;
  const grpc::Status status = stub->Health(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "anochat-crypto-health: %s: %s\n", address.c_str(),
                 status.error_message().c_str());
    return 1;
  }
  if (!response.serving()) {
    std::fprintf(stderr, "anochat-crypto-health: %s: not serving\n", address.c_str());
    return 1;
  }
  std::printf("serving (libsodium %s, %u worker threads)\n", response.libsodium_version().c_str(),
              response.worker_threads());
  return 0;
}

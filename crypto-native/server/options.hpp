// Command line and environment of anochat-crypto-server.
#ifndef ANOCHAT_SERVER_OPTIONS_HPP
#define ANOCHAT_SERVER_OPTIONS_HPP

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "memory_budget.hpp"

namespace anochat::server {

// Two Argon2id calls at the largest cost (grpcPwhashMaxMemLimit, 256 MiB) at once, or eight at
// the sync server's default of 64 MiB: more than two cores can run anyway.
constexpr uint64_t kDefaultPwhashMemoryBudget = 512ull << 20;
constexpr size_t kDefaultPwhashMaxWaiting = 64;
constexpr std::chrono::milliseconds kDefaultPwhashMaxWait{10'000};

struct Options {
  std::string listen_address;  // a gRPC address: "unix:/path" or "host:port"
  MemoryBudget::Limits pwhash{kDefaultPwhashMemoryBudget, kDefaultPwhashMaxWaiting,
                              kDefaultPwhashMaxWait};
  bool show_help = false;
  std::string error;  // non-empty when the arguments are unusable
};

constexpr const char* kUsage =
    "usage: anochat-crypto-server [--listen ADDR] [--pwhash-memory-budget BYTES]\n"
    "                             [--pwhash-max-waiting N] [--pwhash-max-wait-ms MS]\n"
    "  ADDR is unix:/path/to.sock or HOST:PORT; keep it on a unix socket or loopback,\n"
    "  the channel carries secret keys and passwords. HOST:0 picks a free port.\n"
    "  Without --listen, the CRYPTO_LISTEN environment variable is used.\n"
    "  PwHash and PwVerify together hold at most BYTES of Argon2id memory (default 536870912;\n"
    "  CRYPTO_PWHASH_MEMORY_BUDGET); a call that does not fit waits its turn, at most MS\n"
    "  milliseconds (default 10000; CRYPTO_PWHASH_MAX_WAIT_MS) with at most N calls waiting\n"
    "  (default 64; CRYPTO_PWHASH_MAX_WAITING), else it is answered RESOURCE_EXHAUSTED.\n";

// `args` excludes the program name; `getenv` reads the environment (null when a name is unset).
Options parse_options(const std::vector<std::string>& args,
                      const std::function<const char*(const char*)>& getenv);

// The address to announce: a TCP port 0 (pick any) is replaced by the port actually bound.
std::string announced_address(const std::string& listen_address, int bound_port);

// Whether the address stays on this machine (unix socket or loopback); others get a warning.
bool is_local_address(const std::string& listen_address);

}  // namespace anochat::server

#endif

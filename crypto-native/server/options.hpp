// Command line and environment of anochat-crypto-server.
#ifndef ANOCHAT_SERVER_OPTIONS_HPP
#define ANOCHAT_SERVER_OPTIONS_HPP

#include <string>
#include <vector>

namespace anochat::server {

struct Options {
  std::string listen_address;  // a gRPC address: "unix:/path" or "host:port"
  bool show_help = false;
  std::string error;  // non-empty when the arguments are unusable
};

constexpr const char* kUsage =
    "usage: anochat-crypto-server [--listen ADDR]\n"
    "  ADDR is unix:/path/to.sock or HOST:PORT; keep it on a unix socket or loopback,\n"
    "  the channel carries secret keys and passwords. HOST:0 picks a free port.\n"
    "  Without --listen, the CRYPTO_LISTEN environment variable is used.\n";

// `args` excludes the program name; `env_listen` is CRYPTO_LISTEN, or null when unset.
Options parse_options(const std::vector<std::string>& args, const char* env_listen);

// The address to announce: a TCP port 0 (pick any) is replaced by the port actually bound.
std::string announced_address(const std::string& listen_address, int bound_port);

// Whether the address stays on this machine (unix socket or loopback); others get a warning.
bool is_local_address(const std::string& listen_address);

}  // namespace anochat::server

#endif

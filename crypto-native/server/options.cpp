#include "options.hpp"

namespace anochat::server {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool is_unix_address(const std::string& address) {
  return starts_with(address, "unix:") || starts_with(address, "unix-abstract:");
}

}  // namespace

Options parse_options(const std::vector<std::string>& args, const char* env_listen) {
  Options options;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.show_help = true;
    } else if (arg == "--listen") {
      if (i + 1 == args.size()) {
        options.error = "--listen needs an address";
        return options;
      }
      options.listen_address = args[++i];
    } else if (starts_with(arg, "--listen=")) {
      options.listen_address = arg.substr(std::string("--listen=").size());
    } else {
      options.error = "unknown argument: " + arg;
      return options;
    }
  }
  if (options.listen_address.empty() && env_listen != nullptr) options.listen_address = env_listen;
  if (options.listen_address.empty() && !options.show_help)
    options.error = "no listen address: pass --listen ADDR or set CRYPTO_LISTEN";
  return options;
}

std::string announced_address(const std::string& listen_address, int bound_port) {
  const std::string any_port = ":0";
  if (is_unix_address(listen_address) || listen_address.size() < any_port.size() ||
      listen_address.compare(listen_address.size() - any_port.size(), any_port.size(), any_port) != 0)
    return listen_address;
  return listen_address.substr(0, listen_address.size() - 1) + std::to_string(bound_port);
}

bool is_local_address(const std::string& listen_address) {
  if (is_unix_address(listen_address)) return true;
  for (const char* host : {"127.", "[::1]:", "localhost:", "ipv4:127.", "ipv6:[::1]:"}) {
    if (starts_with(listen_address, host)) return true;
  }
  return false;
}

}  // namespace anochat::server

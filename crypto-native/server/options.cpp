#include "options.hpp"

#include <optional>

#include "limits.hpp"

namespace anochat::server {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool is_unix_address(const std::string& address) {
  return starts_with(address, "unix:") || starts_with(address, "unix-abstract:");
}

// A whole number within [min, max] written in decimal digits only, or nullopt.
std::optional<uint64_t> parse_count(std::string_view text, uint64_t min, uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

struct CountOption {
  const char* flag;
  const char* environment;
  uint64_t min;
  uint64_t max;
  std::function<void(Options&, uint64_t)> apply;
};

const std::vector<CountOption>& count_options() {
  static const std::vector<CountOption> options = {
      {"--pwhash-memory-budget", "CRYPTO_PWHASH_MEMORY_BUDGET", limits::kMinMemLimit, 1ull << 40,
       [](Options& o, uint64_t v) { o.pwhash.capacity_bytes = v; }},
      {"--pwhash-max-waiting", "CRYPTO_PWHASH_MAX_WAITING", 0, 100'000,
       [](Options& o, uint64_t v) { o.pwhash.max_waiting = static_cast<size_t>(v); }},
      {"--pwhash-max-wait-ms", "CRYPTO_PWHASH_MAX_WAIT_MS", 0, 600'000,
       [](Options& o, uint64_t v) { o.pwhash.max_wait = std::chrono::milliseconds(v); }},
  };
  return options;
}

// Applies `text` as the value of `option`; false (with options.error set) when it is unusable.
bool apply_count(Options& options, const CountOption& option, std::string_view source,
                 std::string_view text) {
  const std::optional<uint64_t> value = parse_count(text, option.min, option.max);
  if (!value) {
    options.error = std::string(source) + " must be a whole number from " +
                    std::to_string(option.min) + " to " + std::to_string(option.max) + ", got \"" +
                    std::string(text) + "\"";
    return false;
  }
  option.apply(options, *value);
  return true;
}

}  // namespace

Options parse_options(const std::vector<std::string>& args,
                      const std::function<const char*(const char*)>& getenv) {
  Options options;
  for (const CountOption& option : count_options()) {
    const char* value = getenv(option.environment);
    if (value != nullptr && *value != '\0' &&
        !apply_count(options, option, option.environment, value))
      return options;
  }
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& arg = args[i];
    const CountOption* count = nullptr;
    std::string value;
    for (const CountOption& option : count_options()) {
      const std::string flag = option.flag;
      if (arg == flag) {
        if (i + 1 == args.size()) {
          options.error = flag + " needs a value";
          return options;
        }
        count = &option;
        value = args[++i];
      } else if (starts_with(arg, flag + "=")) {
        count = &option;
        value = arg.substr(flag.size() + 1);
      }
    }
    if (count != nullptr) {
      if (!apply_count(options, *count, count->flag, value)) return options;
    } else if (arg == "--help" || arg == "-h") {
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
  const char* env_listen = getenv("CRYPTO_LISTEN");
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

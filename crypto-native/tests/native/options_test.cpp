#include "options.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace anochat::server {
namespace {

// An environment holding only `variables`.
std::function<const char*(const char*)> environment(std::map<std::string, std::string> variables = {}) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

Options parse_options(const std::vector<std::string>& args, const char* listen) {
  return anochat::server::parse_options(
      args, listen == nullptr ? environment() : environment({{"CRYPTO_LISTEN", listen}}));
}

TEST(Options, ListenFlag) {
  EXPECT_EQ(parse_options({"--listen", "unix:/tmp/a.sock"}, nullptr).listen_address, "unix:/tmp/a.sock");
  EXPECT_EQ(parse_options({"--listen=127.0.0.1:50051"}, nullptr).listen_address, "127.0.0.1:50051");
}

TEST(Options, EnvironmentIsTheFallback) {
  EXPECT_EQ(parse_options({}, "unix:/run/crypto.sock").listen_address, "unix:/run/crypto.sock");
  EXPECT_EQ(parse_options({"--listen", "127.0.0.1:1"}, "unix:/run/crypto.sock").listen_address,
            "127.0.0.1:1");
}

TEST(Options, Errors) {
  EXPECT_EQ(parse_options({}, nullptr).error, "no listen address: pass --listen ADDR or set CRYPTO_LISTEN");
  EXPECT_EQ(parse_options({}, "").error, "no listen address: pass --listen ADDR or set CRYPTO_LISTEN");
  EXPECT_EQ(parse_options({"--listen"}, nullptr).error, "--listen needs an address");
  EXPECT_EQ(parse_options({"--port", "1"}, nullptr).error, "unknown argument: --port");
  EXPECT_TRUE(parse_options({"--listen", "unix:/x"}, nullptr).error.empty());
}

TEST(Options, PwhashBudgetDefaultsFlagsAndEnvironment) {
  const Options defaults = parse_options({"--listen", "unix:/x"}, nullptr);
  EXPECT_EQ(defaults.pwhash.capacity_bytes, 512ull << 20);
  EXPECT_EQ(defaults.pwhash.max_waiting, 64u);
  EXPECT_EQ(defaults.pwhash.max_wait, std::chrono::milliseconds(10'000));

  const Options flags = parse_options({"--listen", "unix:/x", "--pwhash-memory-budget", "1073741824",
                                       "--pwhash-max-waiting=3", "--pwhash-max-wait-ms", "250"},
                                      nullptr);
  EXPECT_TRUE(flags.error.empty()) << flags.error;
  EXPECT_EQ(flags.pwhash.capacity_bytes, 1073741824u);
  EXPECT_EQ(flags.pwhash.max_waiting, 3u);
  EXPECT_EQ(flags.pwhash.max_wait, std::chrono::milliseconds(250));

  const Options environment_only = anochat::server::parse_options(
      {}, environment({{"CRYPTO_LISTEN", "unix:/x"},
                       {"CRYPTO_PWHASH_MEMORY_BUDGET", "67108864"},
                       {"CRYPTO_PWHASH_MAX_WAITING", "0"}}));
  EXPECT_EQ(environment_only.pwhash.capacity_bytes, 67108864u);
  EXPECT_EQ(environment_only.pwhash.max_waiting, 0u);
  // A flag wins over the environment.
  EXPECT_EQ(anochat::server::parse_options({"--pwhash-max-waiting", "5"},
                                           environment({{"CRYPTO_LISTEN", "unix:/x"},
                                                        {"CRYPTO_PWHASH_MAX_WAITING", "9"}}))
                .pwhash.max_waiting,
            5u);
}

TEST(Options, PwhashBudgetErrors) {
  EXPECT_EQ(parse_options({"--listen", "unix:/x", "--pwhash-memory-budget", "8191"}, nullptr).error,
            "--pwhash-memory-budget must be a whole number from 8192 to 1099511627776, got \"8191\"");
  EXPECT_EQ(parse_options({"--listen", "unix:/x", "--pwhash-max-wait-ms=-1"}, nullptr).error,
            "--pwhash-max-wait-ms must be a whole number from 0 to 600000, got \"-1\"");
  EXPECT_EQ(parse_options({"--listen", "unix:/x", "--pwhash-max-waiting"}, nullptr).error,
            "--pwhash-max-waiting needs a value");
  EXPECT_EQ(anochat::server::parse_options(
                {"--listen", "unix:/x"}, environment({{"CRYPTO_PWHASH_MEMORY_BUDGET", "512M"}}))
                .error,
            "CRYPTO_PWHASH_MEMORY_BUDGET must be a whole number from 8192 to 1099511627776, got \"512M\"");
}

TEST(Options, Help) {
  const Options options = parse_options({"--help"}, nullptr);
  EXPECT_TRUE(options.show_help);
  EXPECT_TRUE(options.error.empty());
}

TEST(Options, AnnouncedAddressResolvesPortZero) {
  EXPECT_EQ(announced_address("127.0.0.1:0", 40123), "127.0.0.1:40123");
  EXPECT_EQ(announced_address("[::1]:0", 40123), "[::1]:40123");
  EXPECT_EQ(announced_address("127.0.0.1:50051", 50051), "127.0.0.1:50051");
  EXPECT_EQ(announced_address("127.0.0.1:10", 10), "127.0.0.1:10");
  EXPECT_EQ(announced_address("unix:/tmp/x:0", 1), "unix:/tmp/x:0");
}

TEST(Options, LocalAddresses) {
  for (const char* local : {"unix:/tmp/x.sock", "unix-abstract:anochat", "127.0.0.1:1", "localhost:1",
                            "[::1]:1", "ipv4:127.0.0.1:1"})
    EXPECT_TRUE(is_local_address(local)) << local;
  for (const char* remote : {"0.0.0.0:1", "[::]:1", "10.0.0.1:1", "example.com:1"})
    EXPECT_FALSE(is_local_address(remote)) << remote;
}

}  // namespace
}  // namespace anochat::server

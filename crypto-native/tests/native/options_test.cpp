#include "options.hpp"

#include <gtest/gtest.h>

namespace anochat::server {
namespace {

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

// Initialisation, version, thread-local last error, random bytes.
#include <string>
#include <thread>

#include "test_bytes.hpp"

namespace anochat::test {
namespace {

TEST(LibraryState, InitIsIdempotent) {
  EXPECT_CORE_OK(anochat_init());
  EXPECT_CORE_OK(anochat_init());
}

TEST(LibraryState, ReportsLibsodiumVersion) {
  EXPECT_FALSE(std::string(anochat_libsodium_version()).empty());
}

TEST(LibraryState, LastErrorIsClearedBySuccess) {
  Bytes out(8);
  EXPECT_EQ(anochat_random_bytes(nullptr, 8), ANOCHAT_E_INVALID_LENGTH);
  EXPECT_STRNE(anochat_last_error(), "");
  EXPECT_CORE_OK(anochat_random_bytes(out.data(), out.size()));
}

TEST(LibraryState, LastErrorIsPerThread) {
  EXPECT_EQ(anochat_random_bytes(nullptr, 8), ANOCHAT_E_INVALID_LENGTH);
  std::string seen_by_other_thread = "unset";
  std::thread([&] { seen_by_other_thread = anochat_last_error(); }).join();
  EXPECT_EQ(seen_by_other_thread, "");
  EXPECT_STREQ(anochat_last_error(), "output is NULL but its length is not 0");
}

TEST(LibraryState, FunctionsWorkOnAThreadThatNeverCalledInit) {
  int status = -100;
  std::thread([&] {
    Bytes out(16);
    status = anochat_random_bytes(out.data(), out.size());
  }).join();
  EXPECT_EQ(status, ANOCHAT_OK);
}

TEST(RandomBytes, FillsAndDiffers) {
  Bytes a(64), b(64);
  EXPECT_CORE_OK(anochat_random_bytes(a.data(), a.size()));
  EXPECT_CORE_OK(anochat_random_bytes(b.data(), b.size()));
  EXPECT_NE(a, b);
  EXPECT_CORE_OK(anochat_random_bytes(nullptr, 0));
}

TEST(RandomBytes, Validation) {
  EXPECT_CORE_STATUS(anochat_random_bytes(nullptr, 1), ANOCHAT_E_INVALID_LENGTH,
                     "output is NULL but its length is not 0");
  Bytes out = marked(ANOCHAT_MAX_RANDOM_BYTES + 1);
  EXPECT_CORE_STATUS(anochat_random_bytes(out.data(), out.size()), ANOCHAT_E_TOO_LARGE,
                     "output is longer than 1048576 bytes");
  EXPECT_TRUE(all_zero(out));
  Bytes largest(ANOCHAT_MAX_RANDOM_BYTES);
  EXPECT_CORE_OK(anochat_random_bytes(largest.data(), largest.size()));
}

}  // namespace
}  // namespace anochat::test

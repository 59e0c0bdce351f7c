// Small helpers shared by the native tests.
#ifndef ANOCHAT_TESTS_TEST_BYTES_HPP
#define ANOCHAT_TESTS_TEST_BYTES_HPP

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "anochat/nacl.h"

namespace anochat::test {

using Bytes = std::vector<uint8_t>;

inline Bytes from_hex(std::string_view hex) {
  const auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    throw std::invalid_argument("not a lowercase hex digit");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); i++)
    out[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  return out;
}

inline Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// A buffer filled with a marker, so a test can see that a failing call zeroed it.
inline Bytes marked(size_t size) { return Bytes(size, 0xA5); }

inline bool all_zero(const Bytes& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

inline Bytes with_bit_flipped(Bytes bytes, size_t bit) {
  bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return bytes;
}

constexpr size_t kMaxMessage = ANOCHAT_MAX_MESSAGE_BYTES;

// A buffer larger than maxMessageBytes plus any overhead, for the TOO_LARGE paths; shared
// because it is 64 MiB.
inline const Bytes& oversized() {
  static const Bytes buffer(kMaxMessage + 64);
  return buffer;
}

}  // namespace anochat::test

// The status of a core call and the thread's last-error text together.
#define EXPECT_CORE_STATUS(call, expected_status, expected_message) \
  do {                                                               \
    EXPECT_EQ((call), (expected_status));                            \
    EXPECT_STREQ(anochat_last_error(), (expected_message));          \
  } while (0)

#define EXPECT_CORE_OK(call) EXPECT_CORE_STATUS(call, ANOCHAT_OK, "")

#endif

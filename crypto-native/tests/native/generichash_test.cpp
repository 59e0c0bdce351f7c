// BLAKE2b: RFC 7693 known answer, keying, output and key size validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

Bytes hash(size_t size, const Bytes& m, const Bytes& key = {}) {
  Bytes out(size);
  EXPECT_CORE_OK(anochat_generichash(out.data(), out.size(), m.data(), m.size(), key.data(), key.size()));
  return out;
}

// RFC 7693, appendix A: BLAKE2b-512("abc").
TEST(Generichash, Rfc7693Abc) {
  EXPECT_EQ(hash(64, bytes_of("abc")),
            from_hex("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252"
                     "d5de4533cc9518d38aa8dbf1925ab92386edd4009923"));
}

TEST(Generichash, SizesAndKeysChangeTheOutput) {
  const Bytes m = bytes_of("message");
  const Bytes short_hash = hash(16, m), long_hash = hash(64, m);
  EXPECT_NE(short_hash, Bytes(long_hash.begin(), long_hash.begin() + 16));  // size is a parameter
  EXPECT_NE(hash(32, m, Bytes(16, 1)), hash(32, m));
  EXPECT_NE(hash(32, m, Bytes(64, 1)), hash(32, m, Bytes(64, 2)));
  EXPECT_EQ(hash(32, Bytes()), hash(32, Bytes()));
}

TEST(Generichash, Validation) {
  const Bytes m = bytes_of("message");
  Bytes out = marked(65);
  const auto call = [&](size_t out_len, const uint8_t* key, size_t key_len) {
    out = marked(65);
    return anochat_generichash(out.data(), out_len, m.data(), m.size(), key, key_len);
  };
  const Bytes key(65, 3);
  EXPECT_CORE_STATUS(call(15, nullptr, 0), ANOCHAT_E_INVALID_ARGUMENT, "hash output must be 16 to 64 bytes");
  EXPECT_TRUE(all_zero(Bytes(out.begin(), out.begin() + 15)));
  EXPECT_CORE_STATUS(call(65, nullptr, 0), ANOCHAT_E_INVALID_ARGUMENT, "hash output must be 16 to 64 bytes");
  EXPECT_CORE_STATUS(call(0, nullptr, 0), ANOCHAT_E_INVALID_ARGUMENT, "hash output must be 16 to 64 bytes");
  EXPECT_CORE_STATUS(call(32, key.data(), 15), ANOCHAT_E_INVALID_LENGTH,
                     "key must be empty or 16 to 64 bytes");
  EXPECT_TRUE(all_zero(Bytes(out.begin(), out.begin() + 32)));
  EXPECT_CORE_STATUS(call(32, key.data(), 65), ANOCHAT_E_INVALID_LENGTH,
                     "key must be empty or 16 to 64 bytes");
  EXPECT_CORE_STATUS(call(32, nullptr, 16), ANOCHAT_E_INVALID_LENGTH, "key is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_generichash(nullptr, 32, m.data(), m.size(), nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "output is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_generichash(out.data(), 32, nullptr, 1, nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_generichash(out.data(), 32, oversized().data(), kMaxMessage + 1, nullptr, 0),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
}

}  // namespace
}  // namespace anochat::test

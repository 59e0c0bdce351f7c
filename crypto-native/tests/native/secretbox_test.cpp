// crypto_secretbox: NaCl's published example, round trips, tampering, argument validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

// NaCl's secretbox example reuses the box example: its key is the Alice/Bob shared key, so the
// ciphertext is the same as the box example's.
TEST(Secretbox, NaclExample) {
  const Bytes key = from_hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  const Bytes nonce = from_hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  const Bytes message = from_hex(
      "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129"
      "6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
      "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
  const Bytes expected = from_hex(
      "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a"
      "c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae"
      "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74"
      "e355a5");
  Bytes c(message.size() + 16), m(message.size());
  EXPECT_CORE_OK(anochat_secretbox(c.data(), c.size(), message.data(), message.size(), nonce.data(),
                                   24, key.data(), 32));
  EXPECT_EQ(c, expected);
  EXPECT_CORE_OK(anochat_secretbox_open(m.data(), m.size(), c.data(), c.size(), nonce.data(), 24,
                                        key.data(), 32));
  EXPECT_EQ(m, message);
}

class SecretboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    anochat_random_bytes(key.data(), key.size());
    anochat_random_bytes(nonce.data(), nonce.size());
  }

  Bytes seal(const Bytes& m) {
    Bytes c(m.size() + 16);
    EXPECT_CORE_OK(anochat_secretbox(c.data(), c.size(), m.data(), m.size(), nonce.data(), 24,
                                     key.data(), 32));
    return c;
  }

  Bytes key = Bytes(32), nonce = Bytes(24);
  Bytes message = bytes_of("see you at noon");
};

TEST_F(SecretboxTest, RoundTripIncludingEmptyAndLarge) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1024}, size_t{1} << 20}) {
    Bytes m(size, 0x42), opened(size);
    const Bytes c = seal(m);
    EXPECT_CORE_OK(anochat_secretbox_open(opened.data(), opened.size(), c.data(), c.size(),
                                          nonce.data(), 24, key.data(), 32));
    EXPECT_EQ(opened, m);
  }
}

TEST_F(SecretboxTest, EveryBitFlipIsRejected) {
  const Bytes c = seal(bytes_of("8 bytes!"));
  for (size_t bit = 0; bit < c.size() * 8; bit++) {
    const Bytes tampered = with_bit_flipped(c, bit);
    Bytes m = marked(8);
    ASSERT_EQ(anochat_secretbox_open(m.data(), m.size(), tampered.data(), tampered.size(),
                                     nonce.data(), 24, key.data(), 32),
              ANOCHAT_E_FAILED)
        << "bit " << bit;
    EXPECT_STREQ(anochat_last_error(), "ciphertext failed authentication");
    EXPECT_TRUE(all_zero(m));
  }
}

TEST_F(SecretboxTest, InPlaceEncryptionAndDecryption) {
  Bytes buffer(message.size() + 16);
  std::copy(message.begin(), message.end(), buffer.begin());
  EXPECT_CORE_OK(anochat_secretbox(buffer.data(), buffer.size(), buffer.data(), message.size(),
                                   nonce.data(), 24, key.data(), 32));
  EXPECT_EQ(buffer, seal(message));
  EXPECT_CORE_OK(anochat_secretbox_open(buffer.data(), message.size(), buffer.data(), buffer.size(),
                                        nonce.data(), 24, key.data(), 32));
  EXPECT_EQ(Bytes(buffer.begin(), buffer.begin() + static_cast<long>(message.size())), message);
}

TEST_F(SecretboxTest, SecretboxValidation) {
  Bytes c = marked(message.size() + 16);
  EXPECT_CORE_STATUS(anochat_secretbox(c.data(), c.size(), nullptr, message.size(), nonce.data(), 24,
                                       key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(anochat_secretbox(nullptr, 0, oversized().data(), kMaxMessage + 1, nonce.data(),
                                       24, key.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
  c = marked(message.size() + 16);
  EXPECT_CORE_STATUS(anochat_secretbox(c.data(), message.size(), message.data(), message.size(),
                                       nonce.data(), 24, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext must be 16 bytes longer than the message");
  EXPECT_CORE_STATUS(anochat_secretbox(nullptr, message.size() + 16, message.data(), message.size(),
                                       nonce.data(), 24, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  c = marked(message.size() + 16);
  EXPECT_CORE_STATUS(anochat_secretbox(c.data(), c.size(), message.data(), message.size(),
                                       nonce.data(), 12, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce must be 24 bytes");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(anochat_secretbox(c.data(), c.size(), message.data(), message.size(), nullptr,
                                       24, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce is NULL");
  EXPECT_CORE_STATUS(anochat_secretbox(c.data(), c.size(), message.data(), message.size(),
                                       nonce.data(), 24, key.data(), 31),
                     ANOCHAT_E_INVALID_LENGTH, "key must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_secretbox(c.data(), c.size(), message.data(), message.size(),
                                       nonce.data(), 24, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "key is NULL");
}

TEST_F(SecretboxTest, SecretboxOpenValidation) {
  const Bytes c = seal(message);
  Bytes m = marked(message.size());
  EXPECT_CORE_STATUS(anochat_secretbox_open(m.data(), m.size(), nullptr, c.size(), nonce.data(), 24,
                                            key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(m));
  EXPECT_CORE_STATUS(anochat_secretbox_open(nullptr, 0, c.data(), 10, nonce.data(), 24, key.data(), 32),
                     ANOCHAT_E_FAILED, "ciphertext is shorter than its 16-byte overhead: it cannot open");
  EXPECT_CORE_STATUS(anochat_secretbox_open(nullptr, 0, oversized().data(), kMaxMessage + 17,
                                            nonce.data(), 24, key.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "ciphertext is longer than 67108864 + 16 bytes");
  Bytes too_long_m = marked(c.size());
  EXPECT_CORE_STATUS(anochat_secretbox_open(too_long_m.data(), too_long_m.size(), c.data(), c.size(),
                                            nonce.data(), 24, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message must be 16 bytes shorter than the ciphertext");
  EXPECT_TRUE(all_zero(too_long_m));
  EXPECT_CORE_STATUS(anochat_secretbox_open(nullptr, m.size(), c.data(), c.size(), nonce.data(), 24,
                                            key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_secretbox_open(m.data(), m.size(), c.data(), c.size(), nonce.data(), 0,
                                            key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce must be 24 bytes");
  EXPECT_CORE_STATUS(anochat_secretbox_open(m.data(), m.size(), c.data(), c.size(), nonce.data(), 24,
                                            key.data(), 33),
                     ANOCHAT_E_INVALID_LENGTH, "key must be 32 bytes");
  EXPECT_TRUE(all_zero(m));
}

}  // namespace
}  // namespace anochat::test

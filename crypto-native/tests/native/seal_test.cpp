// Sealed boxes: round trips, tampering, argument validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

class SealTest : public ::testing::Test {
 protected:
  void SetUp() override { anochat_box_keypair(pk.data(), 32, sk.data(), 32); }

  Bytes seal(const Bytes& m) {
    Bytes c(m.size() + 48);
    EXPECT_CORE_OK(anochat_box_seal(c.data(), c.size(), m.data(), m.size(), pk.data(), 32));
    return c;
  }

  int open(const Bytes& c, Bytes& m) {
    m = marked(c.size() >= 48 ? c.size() - 48 : 0);
    return anochat_box_seal_open(m.data(), m.size(), c.data(), c.size(), pk.data(), 32, sk.data(), 32);
  }

  Bytes pk = Bytes(32), sk = Bytes(32);
  Bytes message = bytes_of("for your eyes only");
};

TEST_F(SealTest, RoundTrip) {
  Bytes m;
  EXPECT_CORE_OK(open(seal(message), m));
  EXPECT_EQ(m, message);
  EXPECT_CORE_OK(open(seal(Bytes()), m));
  EXPECT_TRUE(m.empty());
}

TEST_F(SealTest, SealsAreRandomised) { EXPECT_NE(seal(message), seal(message)); }

TEST_F(SealTest, EveryBitFlipIsRejected) {
  const Bytes c = seal(bytes_of("8 bytes!"));
  for (size_t bit = 0; bit < c.size() * 8; bit++) {
    Bytes m;
    ASSERT_EQ(open(with_bit_flipped(c, bit), m), ANOCHAT_E_FAILED) << "bit " << bit;
    EXPECT_STREQ(anochat_last_error(), "sealed box failed to open");
    EXPECT_TRUE(all_zero(m));
  }
}

TEST_F(SealTest, OtherRecipientCannotOpen) {
  Bytes other_pk(32), other_sk(32), m(message.size());
  anochat_box_keypair(other_pk.data(), 32, other_sk.data(), 32);
  const Bytes c = seal(message);
  EXPECT_EQ(anochat_box_seal_open(m.data(), m.size(), c.data(), c.size(), other_pk.data(), 32,
                                  other_sk.data(), 32),
            ANOCHAT_E_FAILED);
  // The recipient's public key is part of the nonce: a mismatched pair fails too.
  EXPECT_EQ(anochat_box_seal_open(m.data(), m.size(), c.data(), c.size(), other_pk.data(), 32,
                                  sk.data(), 32),
            ANOCHAT_E_FAILED);
}

TEST_F(SealTest, SealValidation) {
  Bytes c = marked(message.size() + 48);
  EXPECT_CORE_STATUS(anochat_box_seal(c.data(), c.size(), nullptr, message.size(), pk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(anochat_box_seal(nullptr, 0, oversized().data(), kMaxMessage + 1, pk.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
  c = marked(message.size() + 48);
  EXPECT_CORE_STATUS(anochat_box_seal(c.data(), message.size() + 16, message.data(), message.size(),
                                      pk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext must be 48 bytes longer than the message");
  EXPECT_CORE_STATUS(anochat_box_seal(nullptr, message.size() + 48, message.data(), message.size(),
                                      pk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  c = marked(message.size() + 48);
  EXPECT_CORE_STATUS(anochat_box_seal(c.data(), c.size(), message.data(), message.size(), pk.data(), 31),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(anochat_box_seal(c.data(), c.size(), message.data(), message.size(), nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key is NULL");
}

TEST_F(SealTest, SealOpenValidation) {
  const Bytes c = seal(message);
  Bytes m = marked(message.size());
  EXPECT_CORE_STATUS(anochat_box_seal_open(m.data(), m.size(), nullptr, c.size(), pk.data(), 32,
                                           sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(m));
  EXPECT_CORE_STATUS(anochat_box_seal_open(nullptr, 0, c.data(), 47, pk.data(), 32, sk.data(), 32),
                     ANOCHAT_E_FAILED, "ciphertext is shorter than its 48-byte overhead: it cannot open");
  EXPECT_CORE_STATUS(anochat_box_seal_open(nullptr, 0, oversized().data(), kMaxMessage + 49, pk.data(),
                                           32, sk.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "ciphertext is longer than 67108864 + 48 bytes");
  EXPECT_CORE_STATUS(anochat_box_seal_open(m.data(), m.size() - 1, c.data(), c.size(), pk.data(), 32,
                                           sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message must be 48 bytes shorter than the ciphertext");
  EXPECT_CORE_STATUS(anochat_box_seal_open(nullptr, m.size(), c.data(), c.size(), pk.data(), 32,
                                           sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  m = marked(message.size());
  EXPECT_CORE_STATUS(anochat_box_seal_open(m.data(), m.size(), c.data(), c.size(), pk.data(), 33,
                                           sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_TRUE(all_zero(m));
  EXPECT_CORE_STATUS(anochat_box_seal_open(m.data(), m.size(), c.data(), c.size(), pk.data(), 32,
                                           sk.data(), 0),
                     ANOCHAT_E_INVALID_LENGTH, "secret key must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_box_seal_open(m.data(), m.size(), c.data(), c.size(), pk.data(), 32,
                                           nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "secret key is NULL");
}

}  // namespace
}  // namespace anochat::test

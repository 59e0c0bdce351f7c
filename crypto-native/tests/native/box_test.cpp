// crypto_box and its precomputed variant: NaCl's published example, round trips, tampering,
// argument validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

// The Alice/Bob example of NaCl's documentation ("Cryptography in NaCl", tests box.c/box2.c);
// its keys are also those of RFC 7748 section 6.1.
struct NaclExample {
  Bytes alice_sk = from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  Bytes alice_pk = from_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  Bytes bob_sk = from_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  Bytes bob_pk = from_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  Bytes nonce = from_hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  Bytes shared_key = from_hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  Bytes message = from_hex(
      "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129"
      "6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
      "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
  // MAC (16 bytes) followed by the 131 bytes of ciphertext.
  Bytes ciphertext = from_hex(
      "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a"
      "c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae"
      "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74"
      "e355a5");
};

TEST(Box, NaclExampleEncrypts) {
  const NaclExample x;
  ASSERT_EQ(x.message.size(), 131u);
  ASSERT_EQ(x.ciphertext.size(), 147u);
  Bytes c(x.message.size() + 16);
  EXPECT_CORE_OK(anochat_box(c.data(), c.size(), x.message.data(), x.message.size(), x.nonce.data(),
                             x.nonce.size(), x.bob_pk.data(), 32, x.alice_sk.data(), 32));
  EXPECT_EQ(c, x.ciphertext);
}

TEST(Box, NaclExampleOpens) {
  const NaclExample x;
  Bytes m(x.ciphertext.size() - 16);
  EXPECT_CORE_OK(anochat_box_open(m.data(), m.size(), x.ciphertext.data(), x.ciphertext.size(),
                                  x.nonce.data(), x.nonce.size(), x.alice_pk.data(), 32,
                                  x.bob_sk.data(), 32));
  EXPECT_EQ(m, x.message);
}

TEST(Box, NaclExamplePrecomputed) {
  const NaclExample x;
  Bytes k_alice(32), k_bob(32), c(x.message.size() + 16), m(x.message.size());
  EXPECT_CORE_OK(anochat_box_beforenm(k_alice.data(), 32, x.bob_pk.data(), 32, x.alice_sk.data(), 32));
  EXPECT_CORE_OK(anochat_box_beforenm(k_bob.data(), 32, x.alice_pk.data(), 32, x.bob_sk.data(), 32));
  EXPECT_EQ(k_alice, x.shared_key);
  EXPECT_EQ(k_bob, x.shared_key);
  EXPECT_CORE_OK(anochat_box_easy_afternm(c.data(), c.size(), x.message.data(), x.message.size(),
                                          x.nonce.data(), 24, k_alice.data(), 32));
  EXPECT_EQ(c, x.ciphertext);
  EXPECT_CORE_OK(anochat_box_open_easy_afternm(m.data(), m.size(), c.data(), c.size(),
                                               x.nonce.data(), 24, k_bob.data(), 32));
  EXPECT_EQ(m, x.message);
}

class BoxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    anochat_box_keypair(alice_pk.data(), 32, alice_sk.data(), 32);
    anochat_box_keypair(bob_pk.data(), 32, bob_sk.data(), 32);
    anochat_random_bytes(nonce.data(), nonce.size());
  }

  Bytes box(const Bytes& m) {
    Bytes c(m.size() + 16);
    EXPECT_CORE_OK(anochat_box(c.data(), c.size(), m.data(), m.size(), nonce.data(), 24,
                               bob_pk.data(), 32, alice_sk.data(), 32));
    return c;
  }

  int open(const Bytes& c, Bytes& m) {
    m = marked(c.size() >= 16 ? c.size() - 16 : 0);
    return anochat_box_open(m.data(), m.size(), c.data(), c.size(), nonce.data(), 24,
                            alice_pk.data(), 32, bob_sk.data(), 32);
  }

  Bytes alice_pk = Bytes(32), alice_sk = Bytes(32), bob_pk = Bytes(32), bob_sk = Bytes(32);
  Bytes nonce = Bytes(24);
  Bytes message = bytes_of("attack at dawn");
};

TEST_F(BoxTest, RoundTrip) {
  Bytes m;
  EXPECT_CORE_OK(open(box(message), m));
  EXPECT_EQ(m, message);
}

TEST_F(BoxTest, EmptyMessageRoundTrip) {
  Bytes c(16);
  EXPECT_CORE_OK(anochat_box(c.data(), c.size(), nullptr, 0, nonce.data(), 24, bob_pk.data(), 32,
                             alice_sk.data(), 32));
  EXPECT_CORE_OK(anochat_box_open(nullptr, 0, c.data(), c.size(), nonce.data(), 24,
                                  alice_pk.data(), 32, bob_sk.data(), 32));
}

TEST_F(BoxTest, EveryBitFlipIsRejected) {
  const Bytes c = box(bytes_of("8 bytes!"));
  for (size_t bit = 0; bit < c.size() * 8; bit++) {
    Bytes m;
    ASSERT_EQ(open(with_bit_flipped(c, bit), m), ANOCHAT_E_FAILED) << "bit " << bit;
    EXPECT_STREQ(anochat_last_error(), "ciphertext failed authentication");
    EXPECT_TRUE(all_zero(m));
  }
}

TEST_F(BoxTest, WrongKeyOrNonceFails) {
  const Bytes c = box(message);
  Bytes m(message.size());
  EXPECT_EQ(anochat_box_open(m.data(), m.size(), c.data(), c.size(), nonce.data(), 24,
                             bob_pk.data(), 32, bob_sk.data(), 32),
            ANOCHAT_E_FAILED);
  Bytes other_nonce = with_bit_flipped(nonce, 0);
  EXPECT_EQ(anochat_box_open(m.data(), m.size(), c.data(), c.size(), other_nonce.data(), 24,
                             alice_pk.data(), 32, bob_sk.data(), 32),
            ANOCHAT_E_FAILED);
  EXPECT_TRUE(all_zero(m));
}

TEST_F(BoxTest, PrecomputedMatchesDirect) {
  Bytes k(32), c(message.size() + 16), m(message.size());
  EXPECT_CORE_OK(anochat_box_beforenm(k.data(), 32, bob_pk.data(), 32, alice_sk.data(), 32));
  EXPECT_CORE_OK(anochat_box_easy_afternm(c.data(), c.size(), message.data(), message.size(),
                                          nonce.data(), 24, k.data(), 32));
  EXPECT_EQ(c, box(message));
  EXPECT_CORE_OK(anochat_box_open_easy_afternm(m.data(), m.size(), c.data(), c.size(), nonce.data(),
                                               24, k.data(), 32));
  EXPECT_EQ(m, message);
  for (size_t bit = 0; bit < c.size() * 8; bit += 7) {
    Bytes tampered = with_bit_flipped(c, bit);
    EXPECT_EQ(anochat_box_open_easy_afternm(m.data(), m.size(), tampered.data(), tampered.size(),
                                            nonce.data(), 24, k.data(), 32),
              ANOCHAT_E_FAILED);
  }
}

TEST_F(BoxTest, BoxValidation) {
  const Bytes& m = message;
  Bytes c = marked(m.size() + 16);
  const auto call = [&](uint8_t* c_ptr, size_t c_len, const uint8_t* m_ptr, size_t m_len,
                        size_t nonce_len, size_t pk_len, size_t sk_len) {
    return anochat_box(c_ptr, c_len, m_ptr, m_len, nonce.data(), nonce_len, bob_pk.data(), pk_len,
                       alice_sk.data(), sk_len);
  };
  EXPECT_CORE_STATUS(call(c.data(), c.size(), nullptr, m.size(), 24, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(call(nullptr, 0, oversized().data(), kMaxMessage + 1, 24, 32, 32),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
  c = marked(m.size() + 16);
  EXPECT_CORE_STATUS(call(c.data(), m.size() + 15, m.data(), m.size(), 24, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext must be 16 bytes longer than the message");
  EXPECT_TRUE(all_zero(Bytes(c.begin(), c.end() - 1)));
  EXPECT_CORE_STATUS(call(nullptr, m.size() + 16, m.data(), m.size(), 24, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  c = marked(m.size() + 16);
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), 23, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce must be 24 bytes");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), 24, 31, 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), 24, 32, 64),
                     ANOCHAT_E_INVALID_LENGTH, "secret key must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_box(c.data(), c.size(), m.data(), m.size(), nullptr, 24, bob_pk.data(),
                                 32, alice_sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce is NULL");
  EXPECT_CORE_STATUS(anochat_box(c.data(), c.size(), m.data(), m.size(), nonce.data(), 24, nullptr,
                                 32, alice_sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key is NULL");
  EXPECT_CORE_STATUS(anochat_box(c.data(), c.size(), m.data(), m.size(), nonce.data(), 24,
                                 bob_pk.data(), 32, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "secret key is NULL");
}

TEST_F(BoxTest, BoxOpenValidation) {
  const Bytes c = box(message);
  Bytes m = marked(message.size());
  const auto call = [&](uint8_t* m_ptr, size_t m_len, const uint8_t* c_ptr, size_t c_len,
                        size_t nonce_len, size_t pk_len, size_t sk_len) {
    return anochat_box_open(m_ptr, m_len, c_ptr, c_len, nonce.data(), nonce_len, alice_pk.data(),
                            pk_len, bob_sk.data(), sk_len);
  };
  EXPECT_CORE_STATUS(call(m.data(), m.size(), nullptr, c.size(), 24, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(m));
  // Too short to hold a MAC: it cannot open, which is an answer rather than a caller bug.
  m = marked(message.size());
  EXPECT_CORE_STATUS(call(m.data(), 0, c.data(), 15, 24, 32, 32), ANOCHAT_E_FAILED,
                     "ciphertext is shorter than its 16-byte overhead: it cannot open");
  EXPECT_CORE_STATUS(call(nullptr, 0, nullptr, 0, 24, 32, 32), ANOCHAT_E_FAILED,
                     "ciphertext is shorter than its 16-byte overhead: it cannot open");
  EXPECT_CORE_STATUS(call(nullptr, 0, oversized().data(), kMaxMessage + 17, 24, 32, 32),
                     ANOCHAT_E_TOO_LARGE, "ciphertext is longer than 67108864 + 16 bytes");
  EXPECT_CORE_STATUS(call(m.data(), m.size() - 1, c.data(), c.size(), 24, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "message must be 16 bytes shorter than the ciphertext");
  EXPECT_CORE_STATUS(call(nullptr, m.size(), c.data(), c.size(), 24, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  m = marked(message.size());
  EXPECT_CORE_STATUS(call(m.data(), m.size(), c.data(), c.size(), 25, 32, 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce must be 24 bytes");
  EXPECT_TRUE(all_zero(m));
  EXPECT_CORE_STATUS(call(m.data(), m.size(), c.data(), c.size(), 24, 0, 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_CORE_STATUS(call(m.data(), m.size(), c.data(), c.size(), 24, 32, 31),
                     ANOCHAT_E_INVALID_LENGTH, "secret key must be 32 bytes");
}

TEST_F(BoxTest, PrecomputedValidation) {
  Bytes k = marked(32);
  EXPECT_CORE_STATUS(anochat_box_beforenm(k.data(), 31, bob_pk.data(), 32, alice_sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "shared key must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_box_beforenm(k.data(), 32, bob_pk.data(), 33, alice_sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_TRUE(all_zero(k));
  EXPECT_CORE_STATUS(anochat_box_beforenm(k.data(), 32, bob_pk.data(), 32, nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "secret key is NULL");
  anochat_box_beforenm(k.data(), 32, bob_pk.data(), 32, alice_sk.data(), 32);

  Bytes c = marked(message.size() + 16);
  EXPECT_CORE_STATUS(anochat_box_easy_afternm(c.data(), c.size(), message.data(), message.size(),
                                              nonce.data(), 24, k.data(), 16),
                     ANOCHAT_E_INVALID_LENGTH, "shared key must be 32 bytes");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(anochat_box_easy_afternm(c.data(), c.size(), message.data(), message.size(),
                                              nonce.data(), 8, k.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce must be 24 bytes");
  const Bytes longer_message = bytes_of("attack at dawn!");
  EXPECT_CORE_STATUS(anochat_box_easy_afternm(c.data(), c.size(), longer_message.data(),
                                              longer_message.size(), nonce.data(), 24, k.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext must be 16 bytes longer than the message");
  EXPECT_CORE_STATUS(anochat_box_easy_afternm(c.data(), c.size(), nullptr, message.size(),
                                              nonce.data(), 24, k.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_box_easy_afternm(nullptr, 0, oversized().data(), kMaxMessage + 1,
                                              nonce.data(), 24, k.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");

  anochat_box_easy_afternm(c.data(), c.size(), message.data(), message.size(), nonce.data(), 24,
                           k.data(), 32);
  Bytes m = marked(message.size());
  EXPECT_CORE_STATUS(anochat_box_open_easy_afternm(m.data(), m.size(), c.data(), c.size(),
                                                   nonce.data(), 24, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "shared key is NULL");
  EXPECT_TRUE(all_zero(m));
  EXPECT_CORE_STATUS(anochat_box_open_easy_afternm(m.data(), m.size(), c.data(), 3, nonce.data(), 24,
                                                   k.data(), 32),
                     ANOCHAT_E_FAILED, "ciphertext is shorter than its 16-byte overhead: it cannot open");
  Bytes longer_m = marked(message.size() + 1);
  EXPECT_CORE_STATUS(anochat_box_open_easy_afternm(longer_m.data(), longer_m.size(), c.data(),
                                                   c.size(), nonce.data(), 24, k.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message must be 16 bytes shorter than the ciphertext");
  EXPECT_CORE_STATUS(anochat_box_open_easy_afternm(nullptr, 0, oversized().data(), kMaxMessage + 17,
                                                   nonce.data(), 24, k.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "ciphertext is longer than 67108864 + 16 bytes");
  EXPECT_CORE_STATUS(anochat_box_open_easy_afternm(m.data(), m.size(), c.data(), c.size(),
                                                   nonce.data(), 0, k.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "nonce must be 24 bytes");
}

}  // namespace
}  // namespace anochat::test

// Ed25519: RFC 8032 known answers, tampering, argument validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

struct Rfc8032Vector {
  const char* name;
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032, section 7.1, TEST 1 to 3.
const Rfc8032Vector kRfc8032Vectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
     "d25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
     "387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc659"
     "4a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Sign, Rfc8032Vectors) {
  for (const Rfc8032Vector& v : kRfc8032Vectors) {
    SCOPED_TRACE(v.name);
    const Bytes seed = from_hex(v.seed), message = from_hex(v.message);
    Bytes pk(32), sk(64), sig(64);
    EXPECT_CORE_OK(anochat_sign_seed_keypair(pk.data(), 32, sk.data(), 64, seed.data(), 32));
    EXPECT_EQ(pk, from_hex(v.public_key));
    // The secret key is the seed followed by the public key.
    EXPECT_EQ(Bytes(sk.begin(), sk.begin() + 32), seed);
    EXPECT_EQ(Bytes(sk.begin() + 32, sk.end()), pk);
    EXPECT_CORE_OK(anochat_sign_detached(sig.data(), 64, message.data(), message.size(), sk.data(), 64));
    EXPECT_EQ(sig, from_hex(v.signature));
    EXPECT_CORE_OK(anochat_sign_verify_detached(sig.data(), 64, message.data(), message.size(),
                                                pk.data(), 32));
  }
}

class SignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    anochat_sign_keypair(pk.data(), 32, sk.data(), 64);
    anochat_sign_detached(sig.data(), 64, message.data(), message.size(), sk.data(), 64);
  }

  int verify(const Bytes& signature, const Bytes& m, const Bytes& key) {
    return anochat_sign_verify_detached(signature.data(), signature.size(), m.data(), m.size(),
                                        key.data(), key.size());
  }

  Bytes pk = Bytes(32), sk = Bytes(64), sig = Bytes(64);
  Bytes message = bytes_of("I owe you 10 euros");
};

TEST_F(SignTest, FreshKeypairSignsAndVerifies) { EXPECT_CORE_OK(verify(sig, message, pk)); }

TEST_F(SignTest, EveryBitFlipOfTheSignatureIsRejected) {
  for (size_t bit = 0; bit < sig.size() * 8; bit++) {
    ASSERT_EQ(verify(with_bit_flipped(sig, bit), message, pk), ANOCHAT_E_FAILED) << "bit " << bit;
    EXPECT_STREQ(anochat_last_error(), "signature does not verify");
  }
}

TEST_F(SignTest, EveryBitFlipOfTheMessageOrKeyIsRejected) {
  for (size_t bit = 0; bit < message.size() * 8; bit++)
    ASSERT_EQ(verify(sig, with_bit_flipped(message, bit), pk), ANOCHAT_E_FAILED) << "bit " << bit;
  for (size_t bit = 0; bit < pk.size() * 8; bit++)
    ASSERT_EQ(verify(sig, message, with_bit_flipped(pk, bit)), ANOCHAT_E_FAILED) << "bit " << bit;
}

TEST_F(SignTest, WrongSizedSignatureOrKeyIsAFailedVerification) {
  for (size_t size : {size_t{0}, size_t{63}, size_t{65}, size_t{128}}) {
    EXPECT_CORE_STATUS(verify(Bytes(size, 1), message, pk), ANOCHAT_E_FAILED,
                       "signature is not 64 bytes: it cannot verify");
  }
  for (size_t size : {size_t{0}, size_t{31}, size_t{33}, size_t{64}}) {
    EXPECT_CORE_STATUS(verify(sig, message, Bytes(size, 1)), ANOCHAT_E_FAILED,
                       "public key is not 32 bytes: it cannot verify");
  }
}

TEST_F(SignTest, VerifyValidation) {
  EXPECT_CORE_STATUS(anochat_sign_verify_detached(nullptr, 64, message.data(), message.size(),
                                                  pk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "signature is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_detached(sig.data(), 64, nullptr, 3, pk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_detached(sig.data(), 64, message.data(), message.size(),
                                                  nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_detached(sig.data(), 64, oversized().data(),
                                                  kMaxMessage + 1, pk.data(), 32),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
  EXPECT_CORE_STATUS(anochat_sign_verify_detached(nullptr, 0, message.data(), message.size(),
                                                  nullptr, 0),
                     ANOCHAT_E_FAILED, "signature is not 64 bytes: it cannot verify");
}

TEST_F(SignTest, SignValidation) {
  Bytes out = marked(64);
  EXPECT_CORE_STATUS(anochat_sign_detached(out.data(), 63, message.data(), message.size(), sk.data(), 64),
                     ANOCHAT_E_INVALID_LENGTH, "signature must be 64 bytes");
  EXPECT_TRUE(all_zero(Bytes(out.begin(), out.begin() + 63)));
  EXPECT_CORE_STATUS(anochat_sign_detached(nullptr, 64, message.data(), message.size(), sk.data(), 64),
                     ANOCHAT_E_INVALID_LENGTH, "signature is NULL");
  out = marked(64);
  EXPECT_CORE_STATUS(anochat_sign_detached(out.data(), 64, nullptr, 1, sk.data(), 64),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(out));
  EXPECT_CORE_STATUS(anochat_sign_detached(out.data(), 64, oversized().data(), kMaxMessage + 1,
                                           sk.data(), 64),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
  EXPECT_CORE_STATUS(anochat_sign_detached(out.data(), 64, message.data(), message.size(), sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "secret key must be 64 bytes");
  EXPECT_CORE_STATUS(anochat_sign_detached(out.data(), 64, message.data(), message.size(), nullptr, 64),
                     ANOCHAT_E_INVALID_LENGTH, "secret key is NULL");
}

TEST_F(SignTest, EmptyMessageSignsAndVerifies) {
  Bytes empty_sig(64);
  EXPECT_CORE_OK(anochat_sign_detached(empty_sig.data(), 64, nullptr, 0, sk.data(), 64));
  EXPECT_CORE_OK(anochat_sign_verify_detached(empty_sig.data(), 64, nullptr, 0, pk.data(), 32));
}

TEST(Sign, KeypairValidation) {
  Bytes pk = marked(32), sk = marked(64), seed(32);
  EXPECT_CORE_STATUS(anochat_sign_keypair(pk.data(), 32, sk.data(), 32), ANOCHAT_E_INVALID_LENGTH,
                     "secret key must be 64 bytes");
  EXPECT_TRUE(all_zero(pk) && all_zero(Bytes(sk.begin(), sk.begin() + 32)));
  Bytes long_pk = marked(64);
  EXPECT_CORE_STATUS(anochat_sign_keypair(long_pk.data(), 64, sk.data(), 64),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_TRUE(all_zero(long_pk));
  EXPECT_CORE_STATUS(anochat_sign_keypair(nullptr, 32, sk.data(), 64), ANOCHAT_E_INVALID_LENGTH,
                     "public key is NULL");
  pk = marked(32);
  sk = marked(64);
  EXPECT_CORE_STATUS(anochat_sign_seed_keypair(pk.data(), 32, sk.data(), 64, seed.data(), 16),
                     ANOCHAT_E_INVALID_LENGTH, "seed must be 32 bytes");
  EXPECT_TRUE(all_zero(pk) && all_zero(sk));
  EXPECT_CORE_STATUS(anochat_sign_seed_keypair(pk.data(), 32, sk.data(), 64, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "seed is NULL");
  EXPECT_CORE_STATUS(anochat_sign_seed_keypair(pk.data(), 32, nullptr, 64, seed.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "secret key is NULL");
}

}  // namespace
}  // namespace anochat::test

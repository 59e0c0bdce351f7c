// X25519: RFC 7748 known answers, small-order points, argument validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

Bytes x25519(const Bytes& scalar, const Bytes& point) {
  Bytes q(32);
  EXPECT_CORE_OK(anochat_scalarmult(q.data(), q.size(), scalar.data(), scalar.size(), point.data(),
                                    point.size()));
  return q;
}

Bytes x25519_base(const Bytes& scalar) {
  Bytes q(32);
  EXPECT_CORE_OK(anochat_scalarmult_base(q.data(), q.size(), scalar.data(), scalar.size()));
  return q;
}

// RFC 7748, section 5.2.
TEST(X25519, Rfc7748FunctionVectors) {
  EXPECT_EQ(x25519(from_hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                   from_hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")),
            from_hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
  // The u-coordinate has its top bit set, which X25519 must ignore.
  EXPECT_EQ(x25519(from_hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                   from_hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")),
            from_hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
}

// RFC 7748, section 5.2: k = u = 9, then repeatedly k, u = X25519(k, u), k.
TEST(X25519, Rfc7748IteratedVectors) {
  Bytes k(32, 0), u(32, 0);
  k[0] = u[0] = 9;
  for (int iteration = 1; iteration <= 1000; iteration++) {
    Bytes next = x25519(k, u);
    u = k;
    k = next;
    if (iteration == 1) {
      EXPECT_EQ(k, from_hex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
    }
  }
  EXPECT_EQ(k, from_hex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
}

// RFC 7748, section 6.1.
TEST(X25519, Rfc7748DiffieHellman) {
  const Bytes alice_sk = from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const Bytes alice_pk = from_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const Bytes bob_sk = from_hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const Bytes bob_pk = from_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const Bytes shared = from_hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(x25519_base(alice_sk), alice_pk);
  EXPECT_EQ(x25519_base(bob_sk), bob_pk);
  EXPECT_EQ(x25519(alice_sk, bob_pk), shared);
  EXPECT_EQ(x25519(bob_sk, alice_pk), shared);
}

// u-coordinates whose multiples by a clamped scalar are all zero: points of order 1, 2, 4 and 8
// on the curve or its twist, and non-canonical (>= p) encodings of them.
const char* const kSmallOrderPoints[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

TEST(X25519, SmallOrderPointsAreWeakKeys) {
  Bytes scalar(32);
  anochat_random_bytes(scalar.data(), scalar.size());
  for (const char* hex : kSmallOrderPoints) {
    SCOPED_TRACE(hex);
    const Bytes point = from_hex(hex);
    Bytes q = marked(32);
    EXPECT_CORE_STATUS(anochat_scalarmult(q.data(), q.size(), scalar.data(), scalar.size(),
                                          point.data(), point.size()),
                       ANOCHAT_E_WEAK_KEY, "point has small order: the shared secret would be all zero");
    EXPECT_TRUE(all_zero(q));
  }
}

TEST(X25519, SmallOrderPublicKeysAreRejectedByBox) {
  Bytes pk(32), sk(32), nonce(24), message = bytes_of("hello");
  anochat_box_keypair(pk.data(), pk.size(), sk.data(), sk.size());
  for (const char* hex : kSmallOrderPoints) {
    SCOPED_TRACE(hex);
    const Bytes weak = from_hex(hex);
    Bytes c = marked(message.size() + 16), k = marked(32), sealed = marked(message.size() + 48);
    EXPECT_EQ(anochat_box(c.data(), c.size(), message.data(), message.size(), nonce.data(),
                          nonce.size(), weak.data(), weak.size(), sk.data(), sk.size()),
              ANOCHAT_E_WEAK_KEY);
    EXPECT_STREQ(anochat_last_error(), "public key has small order: the shared secret would be all zero");
    EXPECT_EQ(anochat_box_beforenm(k.data(), k.size(), weak.data(), weak.size(), sk.data(), sk.size()),
              ANOCHAT_E_WEAK_KEY);
    EXPECT_EQ(anochat_box_seal(sealed.data(), sealed.size(), message.data(), message.size(),
                               weak.data(), weak.size()),
              ANOCHAT_E_WEAK_KEY);
    Bytes opened = marked(message.size());
    EXPECT_EQ(anochat_box_open(opened.data(), opened.size(), c.data(), c.size(), nonce.data(),
                               nonce.size(), weak.data(), weak.size(), sk.data(), sk.size()),
              ANOCHAT_E_WEAK_KEY);
    EXPECT_TRUE(all_zero(c) && all_zero(k) && all_zero(sealed) && all_zero(opened));
  }
}

TEST(X25519, KeypairsAreValidAndDistinct) {
  Bytes pk1(32), sk1(32), pk2(32), sk2(32);
  EXPECT_CORE_OK(anochat_box_keypair(pk1.data(), pk1.size(), sk1.data(), sk1.size()));
  EXPECT_CORE_OK(anochat_box_keypair(pk2.data(), pk2.size(), sk2.data(), sk2.size()));
  EXPECT_NE(sk1, sk2);
  EXPECT_EQ(x25519_base(sk1), pk1);
  EXPECT_EQ(x25519(sk1, pk2), x25519(sk2, pk1));
}

TEST(X25519, SeedKeypairIsDeterministic) {
  const Bytes seed(32, 7);
  Bytes pk1(32), sk1(32), pk2(32), sk2(32);
  EXPECT_CORE_OK(anochat_box_seed_keypair(pk1.data(), 32, sk1.data(), 32, seed.data(), seed.size()));
  EXPECT_CORE_OK(anochat_box_seed_keypair(pk2.data(), 32, sk2.data(), 32, seed.data(), seed.size()));
  EXPECT_EQ(pk1, pk2);
  EXPECT_EQ(sk1, sk2);
  EXPECT_EQ(x25519_base(sk1), pk1);
}

TEST(X25519, KeypairValidation) {
  Bytes pk = marked(32), sk = marked(32), short_key = marked(31), long_key = marked(33);
  EXPECT_CORE_STATUS(anochat_box_keypair(short_key.data(), 31, sk.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
  EXPECT_TRUE(all_zero(short_key) && all_zero(sk));
  sk = marked(32);
  EXPECT_CORE_STATUS(anochat_box_keypair(pk.data(), 32, long_key.data(), 33),
                     ANOCHAT_E_INVALID_LENGTH, "secret key must be 32 bytes");
  EXPECT_TRUE(all_zero(pk) && all_zero(long_key));
  EXPECT_CORE_STATUS(anochat_box_keypair(nullptr, 32, sk.data(), 32), ANOCHAT_E_INVALID_LENGTH,
                     "public key is NULL");
  EXPECT_CORE_STATUS(anochat_box_keypair(pk.data(), 32, nullptr, 32), ANOCHAT_E_INVALID_LENGTH,
                     "secret key is NULL");
}

TEST(X25519, SeedKeypairValidation) {
  Bytes pk = marked(32), sk = marked(32), seed(31);
  EXPECT_CORE_STATUS(anochat_box_seed_keypair(pk.data(), 32, sk.data(), 32, seed.data(), 31),
                     ANOCHAT_E_INVALID_LENGTH, "seed must be 32 bytes");
  EXPECT_TRUE(all_zero(pk) && all_zero(sk));
  EXPECT_CORE_STATUS(anochat_box_seed_keypair(pk.data(), 32, sk.data(), 32, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "seed is NULL");
  EXPECT_CORE_STATUS(anochat_box_seed_keypair(pk.data(), 31, sk.data(), 32, seed.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "public key must be 32 bytes");
}

TEST(X25519, ScalarmultValidation) {
  Bytes q = marked(32), n(32, 1), p(32, 9);
  EXPECT_CORE_STATUS(anochat_scalarmult(q.data(), 31, n.data(), 32, p.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "result must be 32 bytes");
  EXPECT_TRUE(all_zero(Bytes(q.begin(), q.begin() + 31)));
  EXPECT_CORE_STATUS(anochat_scalarmult(q.data(), 32, n.data(), 33, p.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "scalar must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_scalarmult(q.data(), 32, n.data(), 32, p.data(), 0),
                     ANOCHAT_E_INVALID_LENGTH, "point must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_scalarmult(q.data(), 32, n.data(), 32, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "point is NULL");
  EXPECT_CORE_STATUS(anochat_scalarmult(nullptr, 32, n.data(), 32, p.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "result is NULL");
  EXPECT_CORE_STATUS(anochat_scalarmult_base(q.data(), 32, nullptr, 32), ANOCHAT_E_INVALID_LENGTH,
                     "scalar is NULL");
  q = marked(32);
  EXPECT_CORE_STATUS(anochat_scalarmult_base(q.data(), 32, n.data(), 16), ANOCHAT_E_INVALID_LENGTH,
                     "scalar must be 32 bytes");
  EXPECT_TRUE(all_zero(q));
  Bytes long_q = marked(64);
  EXPECT_CORE_STATUS(anochat_scalarmult_base(long_q.data(), 64, n.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "result must be 32 bytes");
  EXPECT_TRUE(all_zero(long_q));
}

}  // namespace
}  // namespace anochat::test

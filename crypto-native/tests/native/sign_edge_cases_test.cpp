// Ed25519 signatures that satisfy the verification equation [S]B = R + [k]A yet must be rejected,
// because a lenient verifier would accept them: S >= L, small-order public keys (canonical or
// not), small-order R. libsodium's group arithmetic builds the forgeries; the core must say FAILED.
#include <sodium.h>

#include "test_bytes.hpp"

namespace anochat::test {
namespace {

// L, the order of the prime-order subgroup, little-endian.
const Bytes kGroupOrder = from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

Bytes add_256(const Bytes& a, const Bytes& b) {
  Bytes sum(32);
  unsigned carry = 0;
  for (size_t i = 0; i < 32; i++) {
    carry += static_cast<unsigned>(a[i]) + b[i];
    sum[i] = static_cast<uint8_t>(carry);
    carry >>= 8;
  }
  EXPECT_EQ(carry, 0u);
  return sum;
}

// k = SHA-512(R || A || M) mod L, as the verifier computes it.
Bytes challenge(const Bytes& r, const Bytes& a, const Bytes& m) {
  Bytes digest(64), k(32);
  crypto_hash_sha512_state state;
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, r.data(), r.size());
  crypto_hash_sha512_update(&state, a.data(), a.size());
  crypto_hash_sha512_update(&state, m.data(), m.size());
  crypto_hash_sha512_final(&state, digest.data());
  crypto_core_ed25519_scalar_reduce(k.data(), digest.data());
  return k;
}

Bytes signature(const Bytes& r, const Bytes& s) {
  Bytes sig = r;
  sig.insert(sig.end(), s.begin(), s.end());
  return sig;
}

int verify(const Bytes& sig, const Bytes& m, const Bytes& pk) {
  return anochat_sign_verify_detached(sig.data(), sig.size(), m.data(), m.size(), pk.data(), pk.size());
}

TEST(SignEdgeCases, ScalarAtOrAboveGroupOrderIsRejected) {
  Bytes pk(32), sk(64), sig(64);
  const Bytes m = bytes_of("pay 1 euro");
  anochat_sign_keypair(pk.data(), 32, sk.data(), 64);
  anochat_sign_detached(sig.data(), 64, m.data(), m.size(), sk.data(), 64);
  ASSERT_EQ(verify(sig, m, pk), ANOCHAT_OK);
  // S + L is the same scalar modulo L: [S + L]B = [S]B, so only the S < L rule rejects it.
  const Bytes r(sig.begin(), sig.begin() + 32), s(sig.begin() + 32, sig.end());
  EXPECT_CORE_STATUS(verify(signature(r, add_256(s, kGroupOrder)), m, pk), ANOCHAT_E_FAILED,
                     "signature does not verify");
  EXPECT_CORE_STATUS(verify(signature(r, kGroupOrder), m, pk), ANOCHAT_E_FAILED,
                     "signature does not verify");
}

// Encodings of points whose order divides 8. The last three are non-canonical (y >= p):
// y = p + 1 (the identity again), and y = p (the order-4 points with y = 0), with either sign.
const char* const kSmallOrderEncodings[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",  // identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  // order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // order 8
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p, x negative
};

TEST(SignEdgeCases, SmallOrderEncodingsReallyHaveSmallOrder) {
  const Bytes identity = from_hex(kSmallOrderEncodings[0]);
  for (const char* hex : kSmallOrderEncodings) {
    SCOPED_TRACE(hex);
    Bytes point = from_hex(hex);
    for (int doubling = 0; doubling < 3; doubling++) {
      Bytes doubled(32);
      ASSERT_EQ(crypto_core_ed25519_add(doubled.data(), point.data(), point.data()), 0);
      point = doubled;
    }
    EXPECT_EQ(point, identity);
  }
}

// With A of order dividing 8 and k a multiple of 8, [k]A is the identity, so R = [r]B and S = r
// satisfy the equation without any secret key: a universal forgery unless such keys are refused.
TEST(SignEdgeCases, SmallOrderPublicKeysVerifyNothing) {
  Bytes r_scalar(32), r(32);
  crypto_core_ed25519_scalar_random(r_scalar.data());
  ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(r.data(), r_scalar.data()), 0);
  const Bytes forged = signature(r, r_scalar);
  for (const char* hex : kSmallOrderEncodings) {
    SCOPED_TRACE(hex);
    const Bytes pk = from_hex(hex);
    Bytes m = bytes_of("forged message #");
    for (uint8_t counter = 0; challenge(r, pk, m)[0] % 8 != 0; counter++) m.back() = counter;
    EXPECT_CORE_STATUS(verify(forged, m, pk), ANOCHAT_E_FAILED, "signature does not verify");
  }
}

// With R the identity, S = k * a satisfies [S]B = R + [k]A for a real key pair: the signer can
// make a signature that means nothing (same R for every message). Small-order R is refused.
TEST(SignEdgeCases, SmallOrderCommitmentIsRejected) {
  Bytes pk(32), sk(64), a(32), a_wide(64, 0), a_reduced(32);
  anochat_sign_keypair(pk.data(), 32, sk.data(), 64);
  ASSERT_EQ(crypto_sign_ed25519_sk_to_curve25519(a.data(), sk.data()), 0);  // clamped SHA-512(seed)
  std::copy(a.begin(), a.end(), a_wide.begin());
  crypto_core_ed25519_scalar_reduce(a_reduced.data(), a_wide.data());

  const Bytes m = bytes_of("commitment");
  for (const char* hex : {"0100000000000000000000000000000000000000000000000000000000000000",
                          "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
    SCOPED_TRACE(hex);
    const Bytes r = from_hex(hex);
    const Bytes k = challenge(r, pk, m);
    Bytes s(32), s_b(32), k_a(32);
    crypto_core_ed25519_scalar_mul(s.data(), k.data(), a_reduced.data());
    // The forgery is genuine: [S]B equals [k]A (and R adds nothing).
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(s_b.data(), s.data()), 0);
    ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(k_a.data(), k.data(), pk.data()), 0);
    ASSERT_EQ(s_b, k_a);
    EXPECT_CORE_STATUS(verify(signature(r, s), m, pk), ANOCHAT_E_FAILED, "signature does not verify");
  }
}

}  // namespace
}  // namespace anochat::test

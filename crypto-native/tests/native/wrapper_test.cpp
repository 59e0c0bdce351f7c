// The C++ wrapper: every function round-trips, and core errors come through unchanged.
#include "anochat/nacl.hpp"

#include <string>

#include "test_bytes.hpp"

namespace anochat::test {
namespace {

namespace nacl = anochat::nacl;

TEST(Wrapper, ErrorsCarryTheCoreStatusAndMessage) {
  const auto result = nacl::secretbox(std::string_view("m"), Bytes(24), Bytes(31));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status(), ANOCHAT_E_INVALID_LENGTH);
  EXPECT_EQ(result.error().message, "key must be 32 bytes");
}

TEST(Wrapper, ByteViewAcceptsStringsVectorsAndArrays) {
  const std::string text = "abc";
  const std::array<uint8_t, 3> array{'a', 'b', 'c'};
  const auto from_string = nacl::generichash(32, text);
  EXPECT_EQ(nacl::generichash(32, std::string_view("abc")).value(), from_string.value());
  EXPECT_EQ(nacl::generichash(32, bytes_of("abc")).value(), from_string.value());
  EXPECT_EQ(nacl::generichash(32, array).value(), from_string.value());
}

TEST(Wrapper, BoxFamily) {
  const auto alice = nacl::box_keypair().value();
  const auto bob = nacl::box_seed_keypair(Bytes(32, 9)).value();
  EXPECT_EQ(nacl::scalarmult_base(bob.secret_key).value(), bob.public_key);
  EXPECT_EQ(nacl::scalarmult(alice.secret_key, bob.public_key).value(),
            nacl::scalarmult(bob.secret_key, alice.public_key).value());

  const Bytes nonce = nacl::random_bytes(24).value(), m = bytes_of("hi bob");
  const Bytes c = nacl::box(m, nonce, bob.public_key, alice.secret_key).value();
  EXPECT_EQ(nacl::box_open(c, nonce, alice.public_key, bob.secret_key).value(), m);
  EXPECT_EQ(nacl::box_open(c, nonce, bob.public_key, bob.secret_key).status(), ANOCHAT_E_FAILED);
  EXPECT_EQ(nacl::box_open(Bytes(3), nonce, alice.public_key, bob.secret_key).status(), ANOCHAT_E_FAILED);

  const Bytes k = nacl::box_beforenm(alice.public_key, bob.secret_key).value();
  EXPECT_EQ(nacl::box_open_easy_afternm(c, nonce, k).value(), m);
  EXPECT_EQ(nacl::box_easy_afternm(m, nonce, k).value(), c);

  const Bytes sealed = nacl::box_seal(m, bob.public_key).value();
  EXPECT_EQ(nacl::box_seal_open(sealed, bob.public_key, bob.secret_key).value(), m);
  EXPECT_EQ(nacl::box_seal_open(sealed, alice.public_key, alice.secret_key).status(), ANOCHAT_E_FAILED);
}

TEST(Wrapper, Secretbox) {
  const Bytes key(32, 1), nonce(24, 2), m = bytes_of("secret");
  const Bytes c = nacl::secretbox(m, nonce, key).value();
  EXPECT_EQ(nacl::secretbox_open(c, nonce, key).value(), m);
  EXPECT_EQ(nacl::secretbox_open(with_bit_flipped(c, 0), nonce, key).status(), ANOCHAT_E_FAILED);
}

TEST(Wrapper, Signatures) {
  const auto pair = nacl::sign_keypair().value();
  EXPECT_EQ(nacl::sign_seed_keypair(Bytes(pair.secret_key.begin(), pair.secret_key.begin() + 32))
                .value()
                .public_key,
            pair.public_key);
  const Bytes m = bytes_of("signed"), sig = nacl::sign_detached(m, pair.secret_key).value();
  EXPECT_TRUE(nacl::sign_verify_detached(sig, m, pair.public_key).value());
  EXPECT_FALSE(nacl::sign_verify_detached(sig, bytes_of("other"), pair.public_key).value());
  EXPECT_FALSE(nacl::sign_verify_detached(Bytes(3), m, pair.public_key).value());
  EXPECT_EQ(nacl::sign_verify_detached(sig, oversized(), pair.public_key).status(), ANOCHAT_E_TOO_LARGE);

  Bytes pks = pair.public_key, sigs = sig, msgs = m;
  pks.insert(pks.end(), pair.public_key.begin(), pair.public_key.end());
  sigs.insert(sigs.end(), sig.begin(), sig.end());
  msgs.insert(msgs.end(), m.begin(), m.end());
  msgs.back() ^= 1;
  const std::vector<uint32_t> lens{static_cast<uint32_t>(m.size()), static_cast<uint32_t>(m.size())};
  EXPECT_EQ(nacl::sign_verify_batch(pks, sigs, msgs, lens).value(), (Bytes{1, 0}));
  EXPECT_EQ(nacl::sign_verify_batch(pks, sigs, m, lens).status(), ANOCHAT_E_INVALID_LENGTH);
}

TEST(Wrapper, SecretStream) {
  const Bytes key(32, 5);
  auto [pusher, header] = nacl::SecretStream::init_push(key).value();
  const Bytes c1 = pusher.push(bytes_of("one"), ANOCHAT_SECRETSTREAM_TAG_MESSAGE).value();
  const Bytes c2 = pusher.push(bytes_of("two"), ANOCHAT_SECRETSTREAM_TAG_FINAL, bytes_of("ad")).value();
  EXPECT_EQ(pusher.push(bytes_of("x"), 9).status(), ANOCHAT_E_INVALID_ARGUMENT);

  auto puller = nacl::SecretStream::init_pull(header, key).value();
  EXPECT_EQ(puller.pull(c2).status(), ANOCHAT_E_FAILED);
  const auto first = puller.pull(c1).value();
  EXPECT_EQ(first.message, bytes_of("one"));
  EXPECT_EQ(first.tag, ANOCHAT_SECRETSTREAM_TAG_MESSAGE);
  const auto second = puller.pull(c2, bytes_of("ad")).value();
  EXPECT_EQ(second.message, bytes_of("two"));
  EXPECT_EQ(second.tag, ANOCHAT_SECRETSTREAM_TAG_FINAL);
  EXPECT_EQ(nacl::SecretStream::init_pull(Bytes(3), key).status(), ANOCHAT_E_INVALID_LENGTH);
}

TEST(Wrapper, PasswordHashing) {
  const auto hash = nacl::pwhash_str(std::string_view("pw"), ANOCHAT_PWHASH_MIN_OPS_LIMIT,
                                     ANOCHAT_PWHASH_MIN_MEM_LIMIT);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(nacl::pwhash_str_verify(hash.value(), std::string_view("pw")).value());
  EXPECT_FALSE(nacl::pwhash_str_verify(hash.value(), std::string_view("pW")).value());
  EXPECT_FALSE(nacl::pwhash_str_verify("garbage", std::string_view("pw")).value());
  EXPECT_EQ(nacl::pwhash_str(std::string_view("pw"), 0, ANOCHAT_PWHASH_MIN_MEM_LIMIT).status(),
            ANOCHAT_E_INVALID_ARGUMENT);
  EXPECT_EQ(nacl::pwhash_derive(32, std::string_view("pw"), Bytes(16), 1, 8192).value().size(), 32u);
  EXPECT_EQ(nacl::pwhash_derive(8, std::string_view("pw"), Bytes(16), 1, 8192).status(),
            ANOCHAT_E_INVALID_ARGUMENT);
}

TEST(Wrapper, RandomAndVersion) {
  EXPECT_EQ(nacl::init(), ANOCHAT_OK);
  EXPECT_FALSE(nacl::libsodium_version().empty());
  EXPECT_EQ(nacl::random_bytes(0).value().size(), 0u);
  EXPECT_EQ(nacl::random_bytes(ANOCHAT_MAX_RANDOM_BYTES + 1).status(), ANOCHAT_E_TOO_LARGE);
}

}  // namespace
}  // namespace anochat::test

// Argon2id: hash strings, verification, malformed strings, key derivation, limits.
#include <chrono>
#include <string>

#include "test_bytes.hpp"

namespace anochat::test {
namespace {

// The cheapest costs the limits allow, to keep the tests fast.
constexpr uint32_t kOps = ANOCHAT_PWHASH_MIN_OPS_LIMIT;
constexpr uint32_t kMem = ANOCHAT_PWHASH_MIN_MEM_LIMIT;

std::string hash_of(const Bytes& password, uint32_t ops = kOps, uint32_t mem = kMem) {
  Bytes out(ANOCHAT_PWHASH_STRBYTES);
  EXPECT_CORE_OK(anochat_pwhash_str(out.data(), out.size(), password.data(), password.size(), ops, mem));
  return std::string(reinterpret_cast<const char*>(out.data()));
}

int verify(const std::string& hash, const Bytes& password) {
  return anochat_pwhash_str_verify(reinterpret_cast<const uint8_t*>(hash.data()), hash.size(),
                                   password.data(), password.size());
}

TEST(Pwhash, StrRoundTrip) {
  const Bytes password = bytes_of("correct horse battery staple");
  const std::string hash = hash_of(password);
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << hash;
  EXPECT_CORE_OK(verify(hash, password));
  EXPECT_CORE_STATUS(verify(hash, bytes_of("correct horse battery stapler")), ANOCHAT_E_FAILED,
                     "password does not match the hash");
  EXPECT_NE(hash_of(password), hash);  // salted
}

TEST(Pwhash, EmptyPassword) {
  const std::string hash = hash_of(Bytes());
  EXPECT_CORE_OK(anochat_pwhash_str_verify(reinterpret_cast<const uint8_t*>(hash.data()), hash.size(),
                                           nullptr, 0));
  EXPECT_EQ(verify(hash, bytes_of(" ")), ANOCHAT_E_FAILED);
  Bytes key(32), salt(16);
  EXPECT_CORE_OK(anochat_pwhash_derive(key.data(), key.size(), nullptr, 0, salt.data(), 16, kOps, kMem));
}

TEST(Pwhash, LongestPassword) {
  const Bytes password(ANOCHAT_MAX_PASSWORD_BYTES, 'p');
  EXPECT_CORE_OK(verify(hash_of(password), password));
}

TEST(Pwhash, StrOutputIsNulTerminatedAndZeroPadded) {
  Bytes out = marked(ANOCHAT_PWHASH_STRBYTES);
  const Bytes password = bytes_of("pw");
  ASSERT_EQ(anochat_pwhash_str(out.data(), out.size(), password.data(), 2, kOps, kMem), ANOCHAT_OK);
  const size_t len = std::string(reinterpret_cast<const char*>(out.data())).size();
  EXPECT_LT(len, out.size());
  EXPECT_TRUE(all_zero(Bytes(out.begin() + static_cast<long>(len), out.end())));
}

TEST(Pwhash, MalformedHashStringsFail) {
  const Bytes password = bytes_of("pw");
  const std::string good = hash_of(password);
  const std::string malformed[] = {
      "",
      "not a hash",
      good.substr(0, good.size() - 1),
      good.substr(0, 20),
      good + "A",
      "$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$aGFzaA",  // argon2i, not argon2id
      "$argon2id$v=19$m=8,t=1,p=1$!!!!$????",
      std::string(127, 'a'),
  };
  for (const std::string& hash : malformed) {
    SCOPED_TRACE(hash);
    EXPECT_EQ(verify(hash, password), ANOCHAT_E_FAILED);
  }
  EXPECT_CORE_STATUS(verify(std::string(128, 'a'), password), ANOCHAT_E_FAILED,
                     "hash string is malformed (its length must be 1 to 127)");
  EXPECT_CORE_STATUS(verify("", password), ANOCHAT_E_FAILED,
                     "hash string is malformed (its length must be 1 to 127)");
  std::string with_nul = good;
  with_nul[10] = '\0';
  EXPECT_CORE_STATUS(verify(with_nul, password), ANOCHAT_E_FAILED,
                     "hash string is malformed (it contains a NUL byte)");
  EXPECT_CORE_STATUS(verify("$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$aGFzaA", password), ANOCHAT_E_FAILED,
                     "hash string is malformed (expected $argon2id$v=19$m=...,t=...,p=...)");
}

// A forged string must not make verification allocate gigabytes or run for hours.
TEST(Pwhash, HashStringsStatingExcessiveCostsFailFast) {
  const Bytes password = bytes_of("pw");
  const std::string good = hash_of(password);
  const std::string salt_and_hash = good.substr(good.find(",p=1$"));
  const auto started = std::chrono::steady_clock::now();
  for (const char* costs : {"m=8,t=4294967295", "m=4294967295,t=1", "m=8,t=17", "m=1048577,t=1",
                            "m=7,t=1", "m=8,t=0", "m=99999999999,t=1"}) {
    SCOPED_TRACE(costs);
    const std::string forged = std::string("$argon2id$v=19$") + costs + salt_and_hash;
    EXPECT_CORE_STATUS(verify(forged, password), ANOCHAT_E_FAILED,
                       std::string(costs) == "m=99999999999,t=1"
                           ? "hash string is malformed (expected $argon2id$v=19$m=...,t=...,p=...)"
                           : "hash string states costs outside the pwhash limits");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST(Pwhash, StrValidation) {
  const Bytes password = bytes_of("pw");
  Bytes out = marked(ANOCHAT_PWHASH_STRBYTES);
  const auto call = [&](size_t out_len, const uint8_t* pw, size_t pw_len, uint32_t ops, uint32_t mem) {
    out = marked(ANOCHAT_PWHASH_STRBYTES);
    return anochat_pwhash_str(out.data(), out_len, pw, pw_len, ops, mem);
  };
  EXPECT_CORE_STATUS(call(127, password.data(), 2, kOps, kMem), ANOCHAT_E_INVALID_LENGTH,
                     "hash output must be 128 bytes");
  EXPECT_CORE_STATUS(call(128, nullptr, 2, kOps, kMem), ANOCHAT_E_INVALID_LENGTH,
                     "password is NULL but its length is not 0");
  EXPECT_TRUE(all_zero(out));
  EXPECT_CORE_STATUS(call(128, oversized().data(), ANOCHAT_MAX_PASSWORD_BYTES + 1, kOps, kMem),
                     ANOCHAT_E_TOO_LARGE, "password is longer than 4096 bytes");
  EXPECT_CORE_STATUS(call(128, password.data(), 2, 0, kMem), ANOCHAT_E_INVALID_ARGUMENT,
                     "ops limit must be between 1 and 16");
  EXPECT_TRUE(all_zero(out));
  EXPECT_CORE_STATUS(call(128, password.data(), 2, 17, kMem), ANOCHAT_E_INVALID_ARGUMENT,
                     "ops limit must be between 1 and 16");
  EXPECT_CORE_STATUS(call(128, password.data(), 2, kOps, kMem - 1), ANOCHAT_E_INVALID_ARGUMENT,
                     "memory limit must be between 8192 and 1073741824 bytes");
  EXPECT_CORE_STATUS(call(128, password.data(), 2, kOps, ANOCHAT_PWHASH_MAX_MEM_LIMIT + 1u),
                     ANOCHAT_E_INVALID_ARGUMENT, "memory limit must be between 8192 and 1073741824 bytes");
  // libsodium would run 9,215 bytes as 8,192 (whole KiB); the core refuses what it cannot honour.
  EXPECT_CORE_STATUS(call(128, password.data(), 2, kOps, kMem + 1023), ANOCHAT_E_INVALID_ARGUMENT,
                     "memory limit must be a multiple of 1024 bytes");
  EXPECT_TRUE(all_zero(out));
  EXPECT_CORE_STATUS(anochat_pwhash_str(nullptr, 128, password.data(), 2, kOps, kMem),
                     ANOCHAT_E_INVALID_LENGTH, "hash output is NULL");
}

TEST(Pwhash, StrVerifyValidation) {
  const std::string hash = hash_of(bytes_of("pw"));
  EXPECT_CORE_STATUS(anochat_pwhash_str_verify(nullptr, 10, nullptr, 0), ANOCHAT_E_INVALID_LENGTH,
                     "hash is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_pwhash_str_verify(reinterpret_cast<const uint8_t*>(hash.data()),
                                               hash.size(), nullptr, 1),
                     ANOCHAT_E_INVALID_LENGTH, "password is NULL but its length is not 0");
  EXPECT_CORE_STATUS(verify(hash, Bytes(ANOCHAT_MAX_PASSWORD_BYTES + 1, 'p')), ANOCHAT_E_TOO_LARGE,
                     "password is longer than 4096 bytes");
  EXPECT_CORE_STATUS(anochat_pwhash_str_verify(nullptr, 0, nullptr, 0), ANOCHAT_E_FAILED,
                     "hash string is malformed (its length must be 1 to 127)");
}

TEST(Pwhash, DeriveIsDeterministicAndSaltDependent) {
  const Bytes password = bytes_of("pw"), salt(16, 1), other_salt(16, 2);
  Bytes a(32), b(32), c(32), wide(64);
  EXPECT_CORE_OK(anochat_pwhash_derive(a.data(), 32, password.data(), 2, salt.data(), 16, kOps, kMem));
  EXPECT_CORE_OK(anochat_pwhash_derive(b.data(), 32, password.data(), 2, salt.data(), 16, kOps, kMem));
  EXPECT_CORE_OK(anochat_pwhash_derive(c.data(), 32, password.data(), 2, other_salt.data(), 16, kOps, kMem));
  EXPECT_CORE_OK(anochat_pwhash_derive(wide.data(), 64, password.data(), 2, salt.data(), 16, kOps, kMem));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_FALSE(all_zero(a));
}

TEST(Pwhash, DeriveValidation) {
  const Bytes password = bytes_of("pw"), salt(16, 1);
  Bytes out = marked(65);
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 15, password.data(), 2, salt.data(), 16, kOps, kMem),
                     ANOCHAT_E_INVALID_ARGUMENT, "derived key must be 16 to 64 bytes");
  EXPECT_TRUE(all_zero(Bytes(out.begin(), out.begin() + 15)));
  out = marked(65);
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 65, password.data(), 2, salt.data(), 16, kOps, kMem),
                     ANOCHAT_E_INVALID_ARGUMENT, "derived key must be 16 to 64 bytes");
  EXPECT_TRUE(all_zero(out));
  EXPECT_CORE_STATUS(anochat_pwhash_derive(nullptr, 32, password.data(), 2, salt.data(), 16, kOps, kMem),
                     ANOCHAT_E_INVALID_LENGTH, "output is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, password.data(), 2, salt.data(), 15, kOps, kMem),
                     ANOCHAT_E_INVALID_LENGTH, "salt must be 16 bytes");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, password.data(), 2, salt.data(), 16, kOps, kMem + 1),
                     ANOCHAT_E_INVALID_ARGUMENT, "memory limit must be a multiple of 1024 bytes");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, password.data(), 2, nullptr, 16, kOps, kMem),
                     ANOCHAT_E_INVALID_LENGTH, "salt is NULL");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, nullptr, 2, salt.data(), 16, kOps, kMem),
                     ANOCHAT_E_INVALID_LENGTH, "password is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, oversized().data(),
                                           ANOCHAT_MAX_PASSWORD_BYTES + 1, salt.data(), 16, kOps, kMem),
                     ANOCHAT_E_TOO_LARGE, "password is longer than 4096 bytes");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, password.data(), 2, salt.data(), 16, 17, kMem),
                     ANOCHAT_E_INVALID_ARGUMENT, "ops limit must be between 1 and 16");
  EXPECT_CORE_STATUS(anochat_pwhash_derive(out.data(), 32, password.data(), 2, salt.data(), 16, kOps, 1024),
                     ANOCHAT_E_INVALID_ARGUMENT, "memory limit must be between 8192 and 1073741824 bytes");
}

}  // namespace
}  // namespace anochat::test

// anochat_sign_verify_batch: mixed results and packing validation.
#include <numeric>

#include "test_bytes.hpp"

namespace anochat::test {
namespace {

// A packed batch of n signed messages, all valid until a test spoils some.
struct Batch {
  explicit Batch(size_t n) : count(n) {
    for (size_t i = 0; i < n; i++) {
      Bytes pk(32), sk(64), sig(64);
      anochat_sign_keypair(pk.data(), 32, sk.data(), 64);
      const Bytes m(i % 5 == 0 ? 0 : i * 3, static_cast<uint8_t>(i));  // some empty messages
      anochat_sign_detached(sig.data(), 64, m.data(), m.size(), sk.data(), 64);
      pks.insert(pks.end(), pk.begin(), pk.end());
      sigs.insert(sigs.end(), sig.begin(), sig.end());
      msgs.insert(msgs.end(), m.begin(), m.end());
      msg_lens.push_back(static_cast<uint32_t>(m.size()));
    }
  }

  int verify(Bytes& results) const {
    return anochat_sign_verify_batch(results.data(), results.size(), pks.data(), pks.size(),
                                     sigs.data(), sigs.size(), msgs.data(), msgs.size(),
                                     msg_lens.data(), msg_lens.size());
  }

  size_t count;
  Bytes pks, sigs, msgs;
  std::vector<uint32_t> msg_lens;
};

TEST(SignBatch, AllValid) {
  const Batch batch(20);
  Bytes results(20);
  EXPECT_CORE_OK(batch.verify(results));
  EXPECT_EQ(results, Bytes(20, 1));
}

TEST(SignBatch, MixedValidAndInvalid) {
  Batch batch(12);
  batch.sigs[3 * 64] ^= 1;                    // tampered R
  batch.sigs[7 * 64 + 63] ^= 0x80;            // S pushed above L
  batch.pks[5 * 32] ^= 1;                     // another key
  std::fill_n(batch.pks.begin() + 9 * 32, 32, 0);  // small-order key
  batch.pks[9 * 32] = 1;
  const size_t offset_of_11 = std::accumulate(batch.msg_lens.begin(), batch.msg_lens.begin() + 11, size_t{0});
  batch.msgs[offset_of_11] ^= 1;              // tampered message
  Bytes results = marked(12);
  EXPECT_CORE_OK(batch.verify(results));
  EXPECT_EQ(results, (Bytes{1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}));
}

TEST(SignBatch, EmptyBatch) {
  EXPECT_CORE_OK(anochat_sign_verify_batch(nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0));
}

TEST(SignBatch, PackingValidation) {
  const Batch batch(4);
  Bytes results = marked(4);
  const auto call = [&](size_t pks_len, size_t sigs_len, size_t msgs_len, size_t lens_count) {
    results = marked(4);
    return anochat_sign_verify_batch(results.data(), 4, batch.pks.data(), pks_len, batch.sigs.data(),
                                     sigs_len, batch.msgs.data(), msgs_len, batch.msg_lens.data(),
                                     lens_count);
  };
  const size_t pks = batch.pks.size(), sigs = batch.sigs.size(), msgs = batch.msgs.size();
  EXPECT_CORE_STATUS(call(pks - 32, sigs, msgs, 4), ANOCHAT_E_INVALID_LENGTH,
                     "public keys must be n * 32 bytes");
  EXPECT_TRUE(all_zero(results));
  EXPECT_CORE_STATUS(call(pks, sigs - 1, msgs, 4), ANOCHAT_E_INVALID_LENGTH,
                     "signatures must be n * 64 bytes");
  EXPECT_CORE_STATUS(call(pks, sigs, msgs, 3), ANOCHAT_E_INVALID_LENGTH,
                     "message lengths must hold n entries");
  EXPECT_CORE_STATUS(call(pks, sigs, msgs - 1, 4), ANOCHAT_E_INVALID_LENGTH,
                     "message lengths do not add up to the messages' length");
  EXPECT_TRUE(all_zero(results));
}

TEST(SignBatch, NullPointerValidation) {
  const Batch batch(2);
  Bytes results(2);
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(nullptr, 2, batch.pks.data(), 64, batch.sigs.data(),
                                               128, batch.msgs.data(), batch.msgs.size(),
                                               batch.msg_lens.data(), 2),
                     ANOCHAT_E_INVALID_LENGTH, "results is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(results.data(), 2, nullptr, 64, batch.sigs.data(), 128,
                                               batch.msgs.data(), batch.msgs.size(),
                                               batch.msg_lens.data(), 2),
                     ANOCHAT_E_INVALID_LENGTH, "public keys is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(results.data(), 2, batch.pks.data(), 64, nullptr, 128,
                                               batch.msgs.data(), batch.msgs.size(),
                                               batch.msg_lens.data(), 2),
                     ANOCHAT_E_INVALID_LENGTH, "signatures is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(results.data(), 2, batch.pks.data(), 64,
                                               batch.sigs.data(), 128, nullptr, batch.msgs.size(),
                                               batch.msg_lens.data(), 2),
                     ANOCHAT_E_INVALID_LENGTH, "messages is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(results.data(), 2, batch.pks.data(), 64,
                                               batch.sigs.data(), 128, batch.msgs.data(),
                                               batch.msgs.size(), nullptr, 2),
                     ANOCHAT_E_INVALID_LENGTH, "message lengths is NULL but its length is not 0");
}

TEST(SignBatch, TooManyItems) {
  const size_t n = ANOCHAT_MAX_VERIFY_BATCH_ITEMS + 1;
  Bytes results = marked(n), pks(n * 32), sigs(n * 64);
  const std::vector<uint32_t> lens(n, 0);
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(results.data(), n, pks.data(), pks.size(), sigs.data(),
                                               sigs.size(), nullptr, 0, lens.data(), n),
                     ANOCHAT_E_TOO_LARGE, "batch has more than 4096 items");
  EXPECT_TRUE(all_zero(results));
}

TEST(SignBatch, MaximumItemsAreAccepted) {
  const size_t n = ANOCHAT_MAX_VERIFY_BATCH_ITEMS;
  Bytes results(n), pks(n * 32), sigs(n * 64);
  const std::vector<uint32_t> lens(n, 0);
  EXPECT_CORE_OK(anochat_sign_verify_batch(results.data(), n, pks.data(), pks.size(), sigs.data(),
                                           sigs.size(), nullptr, 0, lens.data(), n));
  EXPECT_TRUE(all_zero(results));  // all-zero keys have small order: none valid
}

TEST(SignBatch, OversizedMessageLength) {
  Bytes results = marked(1), pk(32), sig(64);
  const std::vector<uint32_t> lens{static_cast<uint32_t>(kMaxMessage + 1)};
  EXPECT_CORE_STATUS(anochat_sign_verify_batch(results.data(), 1, pk.data(), 32, sig.data(), 64,
                                               oversized().data(), kMaxMessage + 1, lens.data(), 1),
                     ANOCHAT_E_TOO_LARGE, "a message of the batch is longer than 67108864 bytes");
  EXPECT_TRUE(all_zero(results));
}

}  // namespace
}  // namespace anochat::test

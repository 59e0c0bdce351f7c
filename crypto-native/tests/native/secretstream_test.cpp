// Secretstream: round trips with every tag, tampering, reordering, truncation, validation.
#include "test_bytes.hpp"

namespace anochat::test {
namespace {

constexpr size_t kState = ANOCHAT_SECRETSTREAM_STATEBYTES;
constexpr size_t kHeader = ANOCHAT_SECRETSTREAM_HEADERBYTES;
constexpr size_t kOverhead = ANOCHAT_SECRETSTREAM_ABYTES;

struct Chunk {
  Bytes message;
  uint8_t tag;
};

class SecretstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    anochat_random_bytes(key.data(), key.size());
    EXPECT_CORE_OK(anochat_secretstream_init_push(push_state.data(), kState, header.data(), kHeader,
                                                  key.data(), key.size()));
  }

  Bytes push(const Chunk& chunk, const Bytes& ad = {}) {
    Bytes c(chunk.message.size() + kOverhead);
    EXPECT_CORE_OK(anochat_secretstream_push(push_state.data(), kState, c.data(), c.size(),
                                             chunk.message.data(), chunk.message.size(), ad.data(),
                                             ad.size(), chunk.tag));
    return c;
  }

  Bytes start_pull() {
    Bytes state(kState);
    EXPECT_CORE_OK(anochat_secretstream_init_pull(state.data(), kState, header.data(), kHeader,
                                                  key.data(), key.size()));
    return state;
  }

  static int pull(Bytes& state, const Bytes& c, Chunk& out, const Bytes& ad = {}) {
    out.message = marked(c.size() >= kOverhead ? c.size() - kOverhead : 0);
    out.tag = 0xEE;
    return anochat_secretstream_pull(state.data(), state.size(), out.message.data(),
                                     out.message.size(), &out.tag, c.data(), c.size(), ad.data(),
                                     ad.size());
  }

  Bytes key = Bytes(32), header = Bytes(kHeader), push_state = Bytes(kState);
  const std::vector<Chunk> chunks{
      {bytes_of("first"), ANOCHAT_SECRETSTREAM_TAG_MESSAGE},
      {bytes_of(""), ANOCHAT_SECRETSTREAM_TAG_PUSH},
      {bytes_of("after a push"), ANOCHAT_SECRETSTREAM_TAG_REKEY},
      {bytes_of("after a rekey"), ANOCHAT_SECRETSTREAM_TAG_MESSAGE},
      {bytes_of("last"), ANOCHAT_SECRETSTREAM_TAG_FINAL},
  };
};

TEST_F(SecretstreamTest, RoundTripWithEveryTag) {
  std::vector<Bytes> ciphertexts;
  for (const Chunk& chunk : chunks) ciphertexts.push_back(push(chunk));
  Bytes state = start_pull();
  for (size_t i = 0; i < chunks.size(); i++) {
    Chunk out;
    EXPECT_CORE_OK(pull(state, ciphertexts[i], out));
    EXPECT_EQ(out.message, chunks[i].message);
    EXPECT_EQ(out.tag, chunks[i].tag);
  }
}

TEST_F(SecretstreamTest, AdditionalDataIsAuthenticated) {
  const Bytes ad = bytes_of("chunk 0 of conversation 42");
  const Bytes c = push(chunks[0], ad);
  Bytes state = start_pull();
  Chunk out;
  EXPECT_EQ(pull(state, c, out, bytes_of("chunk 0 of conversation 43")), ANOCHAT_E_FAILED);
  EXPECT_EQ(pull(state, c, out), ANOCHAT_E_FAILED);
  EXPECT_CORE_OK(pull(state, c, out, ad));
  EXPECT_EQ(out.message, chunks[0].message);
}

TEST_F(SecretstreamTest, EveryBitFlipIsRejectedAndLeavesTheStreamUsable) {
  const Bytes first = push(chunks[0]);
  const Bytes second = push(chunks[1]);
  Bytes state = start_pull();
  const Bytes state_before = state;
  for (size_t bit = 0; bit < first.size() * 8; bit++) {
    Chunk out;
    ASSERT_EQ(pull(state, with_bit_flipped(first, bit), out), ANOCHAT_E_FAILED) << "bit " << bit;
    EXPECT_STREQ(anochat_last_error(),
                 "chunk failed authentication (tampered, reordered, truncated or wrong key)");
    EXPECT_TRUE(all_zero(out.message));
    EXPECT_EQ(out.tag, 0);
    ASSERT_EQ(state, state_before);
  }
  Chunk out;
  EXPECT_CORE_OK(pull(state, first, out));
  EXPECT_CORE_OK(pull(state, second, out));
}

TEST_F(SecretstreamTest, EveryBitFlipOfTheHeaderIsRejected) {
  const Bytes c = push(chunks[0]);
  for (size_t bit = 0; bit < kHeader * 8; bit++) {
    const Bytes tampered_header = with_bit_flipped(header, bit);
    Bytes state(kState);
    ASSERT_EQ(anochat_secretstream_init_pull(state.data(), kState, tampered_header.data(), kHeader,
                                             key.data(), 32),
              ANOCHAT_OK);
    Chunk out;
    ASSERT_EQ(pull(state, c, out), ANOCHAT_E_FAILED) << "bit " << bit;
  }
}

TEST_F(SecretstreamTest, ReorderedChunksAreRejected) {
  const Bytes first = push(chunks[0]);
  const Bytes second = push(chunks[3]);
  Bytes state = start_pull();
  Chunk out;
  EXPECT_EQ(pull(state, second, out), ANOCHAT_E_FAILED);
  EXPECT_CORE_OK(pull(state, first, out));
  EXPECT_EQ(pull(state, first, out), ANOCHAT_E_FAILED);  // replay
  EXPECT_CORE_OK(pull(state, second, out));
}

TEST_F(SecretstreamTest, DroppedChunkIsRejected) {
  const Bytes first = push(chunks[0]);
  push(chunks[3]);  // lost in transit
  const Bytes third = push(chunks[4]);
  Bytes state = start_pull();
  Chunk out;
  EXPECT_CORE_OK(pull(state, first, out));
  EXPECT_EQ(pull(state, third, out), ANOCHAT_E_FAILED);
}

TEST_F(SecretstreamTest, TruncationIsDetectable) {
  std::vector<Bytes> ciphertexts;
  for (const Chunk& chunk : chunks) ciphertexts.push_back(push(chunk));
  // A cut inside a chunk fails authentication.
  Bytes state = start_pull();
  Chunk out;
  Bytes cut = ciphertexts[0];
  cut.pop_back();
  EXPECT_EQ(pull(state, cut, out), ANOCHAT_E_FAILED);
  // A stream cut between chunks authenticates up to the cut but never delivers FINAL: the
  // reader must treat end-of-input without a FINAL tag as truncation.
  uint8_t last_tag = 0xEE;
  for (size_t i = 0; i + 1 < ciphertexts.size(); i++) {
    EXPECT_CORE_OK(pull(state, ciphertexts[i], out));
    last_tag = out.tag;
  }
  EXPECT_NE(last_tag, ANOCHAT_SECRETSTREAM_TAG_FINAL);
}

TEST_F(SecretstreamTest, WrongKeyIsRejected) {
  const Bytes c = push(chunks[0]);
  Bytes other_key(32, 1), state(kState);
  anochat_secretstream_init_pull(state.data(), kState, header.data(), kHeader, other_key.data(), 32);
  Chunk out;
  EXPECT_EQ(pull(state, c, out), ANOCHAT_E_FAILED);
}

TEST_F(SecretstreamTest, InitValidation) {
  Bytes state = marked(kState), head = marked(kHeader);
  EXPECT_CORE_STATUS(anochat_secretstream_init_push(state.data(), 51, head.data(), kHeader, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "state must be 52 bytes");
  EXPECT_TRUE(all_zero(head));
  state = marked(kState);
  EXPECT_CORE_STATUS(anochat_secretstream_init_push(state.data(), kState, head.data(), 23, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "header must be 24 bytes");
  EXPECT_TRUE(all_zero(state));
  EXPECT_CORE_STATUS(anochat_secretstream_init_push(state.data(), kState, head.data(), kHeader,
                                                    key.data(), 16),
                     ANOCHAT_E_INVALID_LENGTH, "key must be 32 bytes");
  EXPECT_CORE_STATUS(anochat_secretstream_init_push(nullptr, kState, head.data(), kHeader, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "state is NULL");
  EXPECT_CORE_STATUS(anochat_secretstream_init_push(state.data(), kState, nullptr, kHeader, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "header is NULL");
  EXPECT_CORE_STATUS(anochat_secretstream_init_push(state.data(), kState, head.data(), kHeader, nullptr, 32),
                     ANOCHAT_E_INVALID_LENGTH, "key is NULL");

  state = marked(kState);
  EXPECT_CORE_STATUS(anochat_secretstream_init_pull(state.data(), kState, header.data(), 25, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "header must be 24 bytes");
  EXPECT_TRUE(all_zero(state));
  EXPECT_CORE_STATUS(anochat_secretstream_init_pull(state.data(), 0, header.data(), kHeader, key.data(), 32),
                     ANOCHAT_E_INVALID_LENGTH, "state must be 52 bytes");
  EXPECT_CORE_STATUS(anochat_secretstream_init_pull(state.data(), kState, header.data(), kHeader,
                                                    key.data(), 33),
                     ANOCHAT_E_INVALID_LENGTH, "key must be 32 bytes");
}

TEST_F(SecretstreamTest, PushValidationLeavesTheStateAlone) {
  const Bytes m = bytes_of("hello"), state_before = push_state;
  Bytes c = marked(m.size() + kOverhead);
  const auto call = [&](uint8_t* c_ptr, size_t c_len, const uint8_t* m_ptr, size_t m_len,
                        const uint8_t* ad, size_t ad_len, uint8_t tag) {
    return anochat_secretstream_push(push_state.data(), kState, c_ptr, c_len, m_ptr, m_len, ad,
                                     ad_len, tag);
  };
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), nullptr, 0, 4),
                     ANOCHAT_E_INVALID_ARGUMENT,
                     "tag must be MESSAGE (0), PUSH (1), REKEY (2) or FINAL (3)");
  EXPECT_TRUE(all_zero(c));
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), nullptr, 0, 0xFF),
                     ANOCHAT_E_INVALID_ARGUMENT,
                     "tag must be MESSAGE (0), PUSH (1), REKEY (2) or FINAL (3)");
  EXPECT_CORE_STATUS(call(c.data(), m.size() + 16, m.data(), m.size(), nullptr, 0, 0),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext must be 17 bytes longer than the message");
  EXPECT_CORE_STATUS(call(nullptr, m.size() + kOverhead, m.data(), m.size(), nullptr, 0, 0),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  EXPECT_CORE_STATUS(call(c.data(), c.size(), nullptr, m.size(), nullptr, 0, 0),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_CORE_STATUS(call(nullptr, 0, oversized().data(), kMaxMessage + 1, nullptr, 0, 0),
                     ANOCHAT_E_TOO_LARGE, "message is longer than 67108864 bytes");
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), nullptr, 3, 0),
                     ANOCHAT_E_INVALID_LENGTH, "additional data is NULL but its length is not 0");
  EXPECT_CORE_STATUS(call(c.data(), c.size(), m.data(), m.size(), oversized().data(), kMaxMessage + 1, 0),
                     ANOCHAT_E_TOO_LARGE, "additional data is longer than 67108864 bytes");
  Bytes long_state = push_state;
  long_state.push_back(0);
  EXPECT_CORE_STATUS(anochat_secretstream_push(long_state.data(), long_state.size(), c.data(),
                                               c.size(), m.data(), m.size(), nullptr, 0, 0),
                     ANOCHAT_E_INVALID_LENGTH, "state must be 52 bytes");
  EXPECT_CORE_STATUS(anochat_secretstream_push(nullptr, kState, c.data(), c.size(), m.data(), m.size(),
                                               nullptr, 0, 0),
                     ANOCHAT_E_INVALID_LENGTH, "state is NULL");
  EXPECT_EQ(push_state, state_before);
}

TEST_F(SecretstreamTest, PullValidation) {
  const Bytes c = push(chunks[0]);
  Bytes state = start_pull(), m = marked(c.size() - kOverhead);
  uint8_t tag = 0xEE;
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, m.data(), m.size(), &tag,
                                               c.data(), kOverhead - 1, nullptr, 0),
                     ANOCHAT_E_FAILED, "ciphertext is shorter than its 17-byte overhead: it cannot open");
  EXPECT_TRUE(all_zero(m));
  EXPECT_EQ(tag, 0);
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, nullptr, 0, &tag,
                                               oversized().data(), kMaxMessage + kOverhead + 1, nullptr, 0),
                     ANOCHAT_E_TOO_LARGE, "ciphertext is longer than 67108864 + 17 bytes");
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, m.data(), m.size() - 1, &tag,
                                               c.data(), c.size(), nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "message must be 17 bytes shorter than the ciphertext");
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, nullptr, m.size(), &tag, c.data(),
                                               c.size(), nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "message is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, m.data(), m.size(), nullptr,
                                               c.data(), c.size(), nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "tag output is NULL");
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, m.data(), m.size(), &tag, nullptr,
                                               c.size(), nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "ciphertext is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), kState, m.data(), m.size(), &tag, c.data(),
                                               c.size(), nullptr, 1),
                     ANOCHAT_E_INVALID_LENGTH, "additional data is NULL but its length is not 0");
  EXPECT_CORE_STATUS(anochat_secretstream_pull(state.data(), 1, m.data(), m.size(), &tag, c.data(),
                                               c.size(), nullptr, 0),
                     ANOCHAT_E_INVALID_LENGTH, "state must be 52 bytes");
  // Nothing above consumed the chunk.
  EXPECT_CORE_OK(anochat_secretstream_pull(state.data(), kState, m.data(), m.size(), &tag, c.data(),
                                           c.size(), nullptr, 0));
  EXPECT_EQ(m, chunks[0].message);
}

}  // namespace
}  // namespace anochat::test

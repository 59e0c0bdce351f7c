// C++17 face of the C ABI in nacl.h, for the gRPC server and the tests.
//
// Every function sizes its outputs, calls the C function and turns the status into a Result.
// Validation stays in the C core: inputs are passed through untouched, so a wrong key length
// comes back as the core's ANOCHAT_E_INVALID_LENGTH with the core's message.
// Heap copies of secrets (Bytes) are not wiped; callers that keep secrets long must do so.
#ifndef ANOCHAT_NACL_HPP
#define ANOCHAT_NACL_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "anochat/nacl.h"

namespace anochat::nacl {

using Bytes = std::vector<uint8_t>;

// Read-only bytes, so that vectors, strings and protobuf `bytes` fields pass without copies.
class ByteView {
 public:
  constexpr ByteView() = default;
  constexpr ByteView(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  ByteView(const Bytes& bytes) : data_(bytes.data()), size_(bytes.size()) {}
  ByteView(std::string_view text)
      : data_(reinterpret_cast<const uint8_t*>(text.data())), size_(text.size()) {}
  ByteView(const std::string& text) : ByteView(std::string_view(text)) {}
  template <size_t N>
  constexpr ByteView(const std::array<uint8_t, N>& bytes) : data_(bytes.data()), size_(N) {}

  constexpr const uint8_t* data() const { return data_; }
  constexpr size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

struct Error {
  int status;                // an anochat_status other than ANOCHAT_OK
  std::string_view message;  // anochat_last_error(): static text
};

template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(error) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  int status() const { return ok() ? ANOCHAT_OK : error().status; }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

struct KeyPair {
  Bytes public_key;
  Bytes secret_key;
};

struct PulledChunk {
  Bytes message;
  uint8_t tag;
};

namespace detail {

inline Error last_error(int status) { return Error{status, anochat_last_error()}; }

// Call it with a status computed beforehand: in finish(anochat_f(out.data()), std::move(out)),
// `value` may be move-constructed from `out` before anochat_f runs.
template <typename T>
Result<T> finish(int status, T value) {
  if (status != ANOCHAT_OK) return last_error(status);
  return Result<T>(std::move(value));
}

// Verification answers: OK is true, FAILED is false, anything else is an error.
inline Result<bool> verdict(int status) {
  if (status == ANOCHAT_OK) return true;
  if (status == ANOCHAT_E_FAILED) return false;
  return last_error(status);
}

// Output size of an open: the core reports a too-short ciphertext itself, so 0 is enough here.
inline size_t opened_size(ByteView sealed, size_t overhead) {
  return sealed.size() >= overhead ? sealed.size() - overhead : 0;
}

}  // namespace detail

inline int init() { return anochat_init(); }
inline std::string_view libsodium_version() { return anochat_libsodium_version(); }

inline Result<Bytes> random_bytes(size_t size) {
  Bytes out(size);
  const int status = anochat_random_bytes(out.data(), out.size());
  return detail::finish(status, std::move(out));
}

// X25519

inline Result<KeyPair> box_keypair() {
  KeyPair pair{Bytes(ANOCHAT_BOX_PUBLICKEYBYTES), Bytes(ANOCHAT_BOX_SECRETKEYBYTES)};
  const int status = anochat_box_keypair(pair.public_key.data(), pair.public_key.size(),
                                         pair.secret_key.data(), pair.secret_key.size());
  return detail::finish(status, std::move(pair));
}

inline Result<KeyPair> box_seed_keypair(ByteView seed) {
  KeyPair pair{Bytes(ANOCHAT_BOX_PUBLICKEYBYTES), Bytes(ANOCHAT_BOX_SECRETKEYBYTES)};
  const int status =
      anochat_box_seed_keypair(pair.public_key.data(), pair.public_key.size(), pair.secret_key.data(),
                               pair.secret_key.size(), seed.data(), seed.size());
  return detail::finish(status, std::move(pair));
}

inline Result<Bytes> scalarmult_base(ByteView scalar) {
  Bytes q(ANOCHAT_SCALARMULTBYTES);
  const int status = anochat_scalarmult_base(q.data(), q.size(), scalar.data(), scalar.size());
  return detail::finish(status, std::move(q));
}

inline Result<Bytes> scalarmult(ByteView scalar, ByteView point) {
  Bytes q(ANOCHAT_SCALARMULTBYTES);
  const int status = anochat_scalarmult(q.data(), q.size(), scalar.data(), scalar.size(),
                                        point.data(), point.size());
  return detail::finish(status, std::move(q));
}

// crypto_box

inline Result<Bytes> box(ByteView message, ByteView nonce, ByteView public_key,
                         ByteView secret_key) {
  Bytes c(message.size() + ANOCHAT_BOX_MACBYTES);
  const int status = anochat_box(c.data(), c.size(), message.data(), message.size(), nonce.data(),
                                 nonce.size(), public_key.data(), public_key.size(),
                                 secret_key.data(), secret_key.size());
  return detail::finish(status, std::move(c));
}

inline Result<Bytes> box_open(ByteView ciphertext, ByteView nonce, ByteView public_key,
                              ByteView secret_key) {
  Bytes m(detail::opened_size(ciphertext, ANOCHAT_BOX_MACBYTES));
  const int status = anochat_box_open(m.data(), m.size(), ciphertext.data(), ciphertext.size(),
                                      nonce.data(), nonce.size(), public_key.data(),
                                      public_key.size(), secret_key.data(), secret_key.size());
  return detail::finish(status, std::move(m));
}

inline Result<Bytes> box_beforenm(ByteView public_key, ByteView secret_key) {
  Bytes k(ANOCHAT_BOX_BEFORENMBYTES);
  const int status = anochat_box_beforenm(k.data(), k.size(), public_key.data(), public_key.size(),
                                          secret_key.data(), secret_key.size());
  return detail::finish(status, std::move(k));
}

inline Result<Bytes> box_easy_afternm(ByteView message, ByteView nonce, ByteView shared_key) {
  Bytes c(message.size() + ANOCHAT_BOX_MACBYTES);
  const int status =
      anochat_box_easy_afternm(c.data(), c.size(), message.data(), message.size(), nonce.data(),
                               nonce.size(), shared_key.data(), shared_key.size());
  return detail::finish(status, std::move(c));
}

inline Result<Bytes> box_open_easy_afternm(ByteView ciphertext, ByteView nonce,
                                           ByteView shared_key) {
  Bytes m(detail::opened_size(ciphertext, ANOCHAT_BOX_MACBYTES));
  const int status = anochat_box_open_easy_afternm(m.data(), m.size(), ciphertext.data(),
                                                   ciphertext.size(), nonce.data(), nonce.size(),
                                                   shared_key.data(), shared_key.size());
  return detail::finish(status, std::move(m));
}

inline Result<Bytes> box_seal(ByteView message, ByteView public_key) {
  Bytes c(message.size() + ANOCHAT_SEALBYTES);
  const int status = anochat_box_seal(c.data(), c.size(), message.data(), message.size(),
                                      public_key.data(), public_key.size());
  return detail::finish(status, std::move(c));
}

inline Result<Bytes> box_seal_open(ByteView sealed, ByteView public_key, ByteView secret_key) {
  Bytes m(detail::opened_size(sealed, ANOCHAT_SEALBYTES));
  const int status =
      anochat_box_seal_open(m.data(), m.size(), sealed.data(), sealed.size(), public_key.data(),
                            public_key.size(), secret_key.data(), secret_key.size());
  return detail::finish(status, std::move(m));
}

// crypto_secretbox

inline Result<Bytes> secretbox(ByteView message, ByteView nonce, ByteView key) {
  Bytes c(message.size() + ANOCHAT_SECRETBOX_MACBYTES);
  const int status = anochat_secretbox(c.data(), c.size(), message.data(), message.size(),
                                       nonce.data(), nonce.size(), key.data(), key.size());
  return detail::finish(status, std::move(c));
}

inline Result<Bytes> secretbox_open(ByteView ciphertext, ByteView nonce, ByteView key) {
  Bytes m(detail::opened_size(ciphertext, ANOCHAT_SECRETBOX_MACBYTES));
  const int status = anochat_secretbox_open(m.data(), m.size(), ciphertext.data(), ciphertext.size(),
                                            nonce.data(), nonce.size(), key.data(), key.size());
  return detail::finish(status, std::move(m));
}

// Ed25519

inline Result<KeyPair> sign_keypair() {
  KeyPair pair{Bytes(ANOCHAT_SIGN_PUBLICKEYBYTES), Bytes(ANOCHAT_SIGN_SECRETKEYBYTES)};
  const int status = anochat_sign_keypair(pair.public_key.data(), pair.public_key.size(),
                                          pair.secret_key.data(), pair.secret_key.size());
  return detail::finish(status, std::move(pair));
}

inline Result<KeyPair> sign_seed_keypair(ByteView seed) {
  KeyPair pair{Bytes(ANOCHAT_SIGN_PUBLICKEYBYTES), Bytes(ANOCHAT_SIGN_SECRETKEYBYTES)};
  const int status =
      anochat_sign_seed_keypair(pair.public_key.data(), pair.public_key.size(),
                                pair.secret_key.data(), pair.secret_key.size(), seed.data(), seed.size());
  return detail::finish(status, std::move(pair));
}

inline Result<Bytes> sign_detached(ByteView message, ByteView secret_key) {
  Bytes sig(ANOCHAT_SIGN_BYTES);
  const int status = anochat_sign_detached(sig.data(), sig.size(), message.data(), message.size(),
                                           secret_key.data(), secret_key.size());
  return detail::finish(status, std::move(sig));
}

inline Result<bool> sign_verify_detached(ByteView signature, ByteView message, ByteView public_key) {
  return detail::verdict(anochat_sign_verify_detached(signature.data(), signature.size(),
                                                      message.data(), message.size(),
                                                      public_key.data(), public_key.size()));
}

// Packed as anochat_sign_verify_batch expects; the item count is msg_lens.size().
// Returns one byte per item: 1 valid, 0 invalid.
inline Result<Bytes> sign_verify_batch(ByteView public_keys, ByteView signatures, ByteView messages,
                                       const std::vector<uint32_t>& msg_lens) {
  Bytes results(msg_lens.size());
  const int status = anochat_sign_verify_batch(
      results.data(), results.size(), public_keys.data(), public_keys.size(), signatures.data(),
      signatures.size(), messages.data(), messages.size(), msg_lens.data(), msg_lens.size());
  return detail::finish(status, std::move(results));
}

// Secretstream: one direction of a stream, owning libsodium's state.

class SecretStream {
 public:
  // The new pushing stream, and the header the puller needs.
  static Result<std::pair<SecretStream, Bytes>> init_push(ByteView key) {
    SecretStream stream;
    Bytes header(ANOCHAT_SECRETSTREAM_HEADERBYTES);
    const int status =
        anochat_secretstream_init_push(stream.state_.data(), stream.state_.size(), header.data(),
                                       header.size(), key.data(), key.size());
    return detail::finish(status, std::make_pair(std::move(stream), std::move(header)));
  }

  static Result<SecretStream> init_pull(ByteView header, ByteView key) {
    SecretStream stream;
    const int status = anochat_secretstream_init_pull(stream.state_.data(), stream.state_.size(),
                                                      header.data(), header.size(), key.data(),
                                                      key.size());
    return detail::finish(status, std::move(stream));
  }

  Result<Bytes> push(ByteView message, uint8_t tag, ByteView additional_data = {}) {
    Bytes c(message.size() + ANOCHAT_SECRETSTREAM_ABYTES);
    const int status = anochat_secretstream_push(state_.data(), state_.size(), c.data(), c.size(),
                                                 message.data(), message.size(),
                                                 additional_data.data(), additional_data.size(), tag);
    return detail::finish(status, std::move(c));
  }

  Result<PulledChunk> pull(ByteView ciphertext, ByteView additional_data = {}) {
    PulledChunk chunk{Bytes(detail::opened_size(ciphertext, ANOCHAT_SECRETSTREAM_ABYTES)), 0};
    const int status = anochat_secretstream_pull(
        state_.data(), state_.size(), chunk.message.data(), chunk.message.size(), &chunk.tag,
        ciphertext.data(), ciphertext.size(), additional_data.data(), additional_data.size());
    return detail::finish(status, std::move(chunk));
  }

 private:
  SecretStream() = default;
  std::array<uint8_t, ANOCHAT_SECRETSTREAM_STATEBYTES> state_{};
};

// Argon2id

inline Result<std::string> pwhash_str(ByteView password, uint32_t ops_limit, uint32_t mem_limit) {
  std::array<uint8_t, ANOCHAT_PWHASH_STRBYTES> out{};
  const int status = anochat_pwhash_str(out.data(), out.size(), password.data(), password.size(),
                                        ops_limit, mem_limit);
  if (status != ANOCHAT_OK) return detail::last_error(status);
  return std::string(reinterpret_cast<const char*>(out.data()));  // NUL-terminated inside
}

inline Result<bool> pwhash_str_verify(std::string_view hash, ByteView password) {
  const ByteView hash_bytes(hash);
  return detail::verdict(anochat_pwhash_str_verify(hash_bytes.data(), hash_bytes.size(),
                                                   password.data(), password.size()));
}

inline Result<Bytes> pwhash_derive(size_t size, ByteView password, ByteView salt,
                                   uint32_t ops_limit, uint32_t mem_limit) {
  Bytes out(size);
  const int status = anochat_pwhash_derive(out.data(), out.size(), password.data(), password.size(),
                                           salt.data(), salt.size(), ops_limit, mem_limit);
  return detail::finish(status, std::move(out));
}

// BLAKE2b

inline Result<Bytes> generichash(size_t size, ByteView message, ByteView key = {}) {
  Bytes out(size);
  const int status = anochat_generichash(out.data(), out.size(), message.data(), message.size(),
                                         key.data(), key.size());
  return detail::finish(status, std::move(out));
}

}  // namespace anochat::nacl

#endif

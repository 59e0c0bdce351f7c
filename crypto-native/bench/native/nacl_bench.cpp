// anochat-nacl-bench: throughput of the core's C ABI, single-threaded, with buffers allocated once
// (what a caller that reuses buffers gets). Prints one JSON line per metric:
//   {"metric": "native.secretbox_1k", "value": 612345.6, "unit": "ops/s"}
// MB/s counts 10^6 bytes of plaintext per second.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "anochat/nacl.h"

namespace {

using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

constexpr double kSeconds = 0.7;  // per metric
constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;

void require_ok(int status, const char* what) {
  if (status == ANOCHAT_OK) return;
  std::fprintf(stderr, "anochat-nacl-bench: %s failed: %s\n", what, anochat_last_error());
  std::exit(1);
}

// Runs `operation` in rounds sized from the rate measured so far, until kSeconds have passed;
// returns operations per second.
template <typename Operation>
double operations_per_second(Operation operation) {
  operation();  // warm-up: first touch of the buffers, libsodium's CPU feature dispatch
  double done = 0;
  double round = 1;
  const Clock::time_point start = Clock::now();
  double elapsed = 0;
  while (elapsed < kSeconds) {
    for (double i = 0; i < round; i++) operation();
    done += round;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double left = (kSeconds - elapsed) * done / elapsed;  // operations that fit in the time left
    round = std::max(1.0, std::min(round * 2, std::ceil(left)));
  }
  return done / elapsed;
}

void report(const char* metric, double value, const char* unit) {
  std::printf("{\"metric\": \"%s\", \"value\": %.1f, \"unit\": \"%s\"}\n", metric, value, unit);
  std::fflush(stdout);
}

double megabytes_per_second(double operations_per_second, size_t bytes_per_operation) {
  return operations_per_second * static_cast<double>(bytes_per_operation) / 1e6;
}

Bytes random_bytes(size_t size) {
  Bytes out(size);
  require_ok(anochat_random_bytes(out.data(), out.size()), "random_bytes");
  return out;
}

double secretbox(size_t size) {
  const Bytes key = random_bytes(32), nonce = random_bytes(24), m = random_bytes(size);
  Bytes c(size + ANOCHAT_SECRETBOX_MACBYTES);
  return operations_per_second([&] {
    require_ok(anochat_secretbox(c.data(), c.size(), m.data(), m.size(), nonce.data(), nonce.size(),
                                 key.data(), key.size()),
               "secretbox");
  });
}

double box(bool precomputed) {
  Bytes alice_pk(32), alice_sk(32), bob_pk(32), bob_sk(32), k(32);
  require_ok(anochat_box_keypair(alice_pk.data(), 32, alice_sk.data(), 32), "box_keypair");
  require_ok(anochat_box_keypair(bob_pk.data(), 32, bob_sk.data(), 32), "box_keypair");
  require_ok(anochat_box_beforenm(k.data(), 32, bob_pk.data(), 32, alice_sk.data(), 32), "beforenm");
  const Bytes nonce = random_bytes(24), m = random_bytes(kKiB);
  Bytes c(m.size() + ANOCHAT_BOX_MACBYTES);
  if (precomputed) {
    return operations_per_second([&] {
      require_ok(anochat_box_easy_afternm(c.data(), c.size(), m.data(), m.size(), nonce.data(), 24,
                                          k.data(), 32),
                 "box_easy_afternm");
    });
  }
  return operations_per_second([&] {
    require_ok(anochat_box(c.data(), c.size(), m.data(), m.size(), nonce.data(), 24, bob_pk.data(), 32,
                           alice_sk.data(), 32),
               "box");
  });
}

struct Signer {
  Signer() { require_ok(anochat_sign_keypair(pk.data(), pk.size(), sk.data(), sk.size()), "sign_keypair"); }
  Bytes sign(const Bytes& m) const {
    Bytes sig(64);
    require_ok(anochat_sign_detached(sig.data(), 64, m.data(), m.size(), sk.data(), 64), "sign");
    return sig;
  }
  Bytes pk = Bytes(32), sk = Bytes(64);
};

double sign() {
  const Signer signer;
  const Bytes m = random_bytes(kKiB);
  Bytes sig(64);
  return operations_per_second([&] {
    require_ok(anochat_sign_detached(sig.data(), 64, m.data(), m.size(), signer.sk.data(), 64), "sign");
  });
}

double verify() {
  const Signer signer;
  const Bytes m = random_bytes(kKiB), sig = signer.sign(m);
  return operations_per_second([&] {
    require_ok(anochat_sign_verify_detached(sig.data(), 64, m.data(), m.size(), signer.pk.data(), 32),
               "verify");
  });
}

// Signatures per second through one anochat_sign_verify_batch call of `items` signatures.
double verify_batch(size_t items) {
  Bytes pks, sigs, msgs;
  std::vector<uint32_t> lens;
  for (size_t i = 0; i < items; i++) {
    const Signer signer;
    const Bytes m = random_bytes(kKiB), sig = signer.sign(m);
    pks.insert(pks.end(), signer.pk.begin(), signer.pk.end());
    sigs.insert(sigs.end(), sig.begin(), sig.end());
    msgs.insert(msgs.end(), m.begin(), m.end());
    lens.push_back(static_cast<uint32_t>(m.size()));
  }
  Bytes results(items);
  const double calls = operations_per_second([&] {
    require_ok(anochat_sign_verify_batch(results.data(), items, pks.data(), pks.size(), sigs.data(),
                                         sigs.size(), msgs.data(), msgs.size(), lens.data(), items),
               "verify_batch");
  });
  for (uint8_t valid : results) {
    if (valid != 1) require_ok(ANOCHAT_E_FAILED, "verify_batch (a valid signature was rejected)");
  }
  return calls * static_cast<double>(items);
}

// One operation: a fresh stream pushing `total` bytes in `chunk`-byte chunks, the last one FINAL.
double secretstream(size_t total, size_t chunk) {
  const Bytes key = random_bytes(32), m = random_bytes(chunk);
  Bytes state(ANOCHAT_SECRETSTREAM_STATEBYTES), header(ANOCHAT_SECRETSTREAM_HEADERBYTES);
  Bytes c(chunk + ANOCHAT_SECRETSTREAM_ABYTES);
  const size_t chunks = total / chunk;
  return operations_per_second([&] {
    require_ok(anochat_secretstream_init_push(state.data(), state.size(), header.data(), header.size(),
                                              key.data(), key.size()),
               "secretstream_init_push");
    for (size_t i = 0; i < chunks; i++) {
      const uint8_t tag = i + 1 == chunks ? ANOCHAT_SECRETSTREAM_TAG_FINAL : ANOCHAT_SECRETSTREAM_TAG_MESSAGE;
      require_ok(anochat_secretstream_push(state.data(), state.size(), c.data(), c.size(), m.data(),
                                           m.size(), nullptr, 0, tag),
                 "secretstream_push");
    }
  });
}

double pwhash(uint32_t ops_limit, uint32_t mem_limit) {
  const Bytes password = random_bytes(16);
  Bytes out(ANOCHAT_PWHASH_STRBYTES);
  return operations_per_second([&] {
    require_ok(anochat_pwhash_str(out.data(), out.size(), password.data(), password.size(), ops_limit,
                                  mem_limit),
               "pwhash_str");
  });
}

}  // namespace

int main(int argc, char** argv) {
  require_ok(anochat_init(), "init");
  // `anochat-nacl-bench secretbox_1k` measures that metric alone, so that a caller can interleave
  // it with another implementation's measurement of the same thing.
  if (argc == 2 && std::string_view(argv[1]) == "secretbox_1k") {
    report("native.secretbox_1k", secretbox(kKiB), "ops/s");
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "secretstream_1m") {
    report("native.secretstream_1m", megabytes_per_second(secretstream(kMiB, 64 * kKiB), kMiB), "MB/s");
    return 0;
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: anochat-nacl-bench [secretbox_1k | secretstream_1m]\n");
    return 2;
  }
  report("native.secretbox_1k", secretbox(kKiB), "ops/s");
  report("native.secretbox_1m", megabytes_per_second(secretbox(kMiB), kMiB), "MB/s");
  report("native.box_1k", box(false), "ops/s");
  report("native.box_afternm_1k", box(true), "ops/s");
  report("native.sign_1k", sign(), "ops/s");
  report("native.verify_1k", verify(), "ops/s");
  report("native.verify_batch_100", verify_batch(100), "ops/s");  // one op = one signature
  report("native.secretstream_1m", megabytes_per_second(secretstream(kMiB, 64 * kKiB), kMiB), "MB/s");
  report("native.pwhash", pwhash(2, 64u * kMiB), "ops/s");
  return 0;
}

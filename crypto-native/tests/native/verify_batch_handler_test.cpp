#include <gtest/gtest.h>

#include <vector>

#include "anochat/nacl.hpp"
#include "handlers.hpp"

namespace anochat::server {
namespace {

namespace nacl = anochat::nacl;

class VerifyBatchHandlerTest : public ::testing::Test {
 protected:
  // Adds a correctly signed item and returns it for spoiling.
  v1::SignedMessage* add_signed(v1::VerifyBatchRequest& request, const std::string& message) {
    const nacl::KeyPair& pair = keys_[request.items_size() % keys_.size()];
    const nacl::Bytes sig = nacl::sign_detached(message, pair.secret_key).value();
    v1::SignedMessage* item = request.add_items();
    item->set_public_key(pair.public_key.data(), pair.public_key.size());
    item->set_message(message);
    item->set_signature(sig.data(), sig.size());
    return item;
  }

  std::vector<bool> verify(const v1::VerifyBatchRequest& request) {
    v1::VerifyBatchResponse response;
    const grpc::Status status = verify_batch(request, &response, pool_);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return std::vector<bool>(response.valid().begin(), response.valid().end());
  }

  WorkerPool pool_{2};
  std::vector<nacl::KeyPair> keys_{nacl::sign_keypair().value(), nacl::sign_keypair().value(),
                                   nacl::sign_keypair().value()};
};

TEST_F(VerifyBatchHandlerTest, EmptyBatch) { EXPECT_TRUE(verify(v1::VerifyBatchRequest()).empty()); }

TEST_F(VerifyBatchHandlerTest, MalformedItemsAreInvalidNotErrors) {
  v1::VerifyBatchRequest request;
  add_signed(request, "valid");
  add_signed(request, "tampered")->mutable_signature()->at(0) ^= 1;
  add_signed(request, "short key")->mutable_public_key()->pop_back();
  add_signed(request, "no signature")->clear_signature();
  add_signed(request, "");
  add_signed(request, "long signature")->mutable_signature()->push_back('x');
  add_signed(request, "small-order key")->set_public_key(std::string(32, '\0'));
  add_signed(request, "no key")->clear_public_key();
  add_signed(request, "valid again");
  EXPECT_EQ(verify(request), (std::vector<bool>{true, false, false, false, true, false, false, false, true}));
}

// Batches from the parallel threshold up are split into ranges across the pool; results must
// stay in item order.
TEST_F(VerifyBatchHandlerTest, LargeBatchesKeepTheirOrder) {
  for (int size : {static_cast<int>(kParallelVerifyThreshold) - 1, static_cast<int>(kParallelVerifyThreshold),
                   33, 257, 1000}) {
    SCOPED_TRACE(size);
    v1::VerifyBatchRequest request;
    std::vector<bool> expected;
    for (int i = 0; i < size; i++) {
      v1::SignedMessage* item = add_signed(request, "message " + std::to_string(i));
      const bool spoil = i % 7 == 3 || i % 11 == 0;
      if (spoil) item->mutable_message()->append("!");
      expected.push_back(!spoil);
    }
    EXPECT_EQ(verify(request), expected);
  }
}

TEST_F(VerifyBatchHandlerTest, TooManyItems) {
  v1::VerifyBatchRequest request;
  for (int i = 0; i <= ANOCHAT_MAX_VERIFY_BATCH_ITEMS; i++) request.add_items();
  v1::VerifyBatchResponse response;
  const grpc::Status status = verify_batch(request, &response, pool_);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "items: 4097 items, at most 4096 allowed");
  EXPECT_EQ(response.valid_size(), 0);
}

TEST_F(VerifyBatchHandlerTest, MaximumItemsAreAccepted) {
  v1::VerifyBatchRequest request;
  for (int i = 0; i < ANOCHAT_MAX_VERIFY_BATCH_ITEMS; i++) request.add_items();
  EXPECT_EQ(verify(request), std::vector<bool>(ANOCHAT_MAX_VERIFY_BATCH_ITEMS, false));
}

}  // namespace
}  // namespace anochat::server

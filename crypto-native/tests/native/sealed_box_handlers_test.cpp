#include <gtest/gtest.h>

#include <string>

#include "anochat/nacl.hpp"
#include "handlers.hpp"

namespace anochat::server {
namespace {

namespace nacl = anochat::nacl;

std::string as_string(const nacl::Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

class SealedBoxHandlersTest : public ::testing::Test {
 protected:
  std::string seal(const std::string& message) {
    v1::SealToRequest request;
    request.set_recipient_public_key(as_string(recipient_.public_key));
    request.set_message(message);
    v1::SealToResponse response;
    EXPECT_TRUE(seal_to(request, &response).ok());
    return response.sealed();
  }

  v1::SealOpenRequest open_request(const std::string& sealed) {
    v1::SealOpenRequest request;
    request.set_public_key(as_string(recipient_.public_key));
    request.set_secret_key(as_string(recipient_.secret_key));
    request.set_sealed(sealed);
    return request;
  }

  v1::SealOpenResponse open(const v1::SealOpenRequest& request) {
    v1::SealOpenResponse response;
    EXPECT_TRUE(seal_open(request, &response).ok());
    return response;
  }

  nacl::KeyPair recipient_ = nacl::box_keypair().value();
};

TEST_F(SealedBoxHandlersTest, SealThenOpen) {
  for (const std::string& message : {std::string("attachment key"), std::string()}) {
    const std::string sealed = seal(message);
    EXPECT_EQ(sealed.size(), message.size() + ANOCHAT_SEALBYTES);
    const v1::SealOpenResponse response = open(open_request(sealed));
    EXPECT_TRUE(response.opened());
    EXPECT_EQ(response.message(), message);
  }
}

TEST_F(SealedBoxHandlersTest, BoxesThatDoNotOpenAreAnAnswer) {
  std::string tampered = seal("secret");
  tampered.back() ^= 1;
  for (const std::string& sealed : {tampered, std::string(), std::string(47, 'x')}) {
    const v1::SealOpenResponse response = open(open_request(sealed));
    EXPECT_FALSE(response.opened());
    EXPECT_TRUE(response.message().empty());
  }
  v1::SealOpenRequest wrong_key = open_request(seal("secret"));
  wrong_key.set_secret_key(as_string(nacl::box_keypair().value().secret_key));
  EXPECT_FALSE(open(wrong_key).opened());
}

TEST_F(SealedBoxHandlersTest, SealToRejectsBadKeys) {
  v1::SealToRequest request;
  request.set_message("m");
  v1::SealToResponse response;
  request.set_recipient_public_key(std::string(31, 'k'));
  grpc::Status status = seal_to(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "recipient_public_key: must be 32 bytes, got 31");

  request.set_recipient_public_key(std::string(32, '\0'));
  status = seal_to(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "recipient_public_key: public key has small order: the shared secret would be all zero");
  EXPECT_TRUE(response.sealed().empty());
}

TEST_F(SealedBoxHandlersTest, SealOpenRejectsBadKeySizes) {
  v1::SealOpenRequest request = open_request(seal("m"));
  request.clear_public_key();
  v1::SealOpenResponse response;
  grpc::Status status = seal_open(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "public_key: must be 32 bytes, got 0");

  request = open_request(seal("m"));
  request.mutable_secret_key()->push_back('x');
  status = seal_open(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "secret_key: must be 32 bytes, got 33");
  EXPECT_FALSE(response.opened());
}

TEST(HealthHandler, ReportsServingVersionAndThreads) {
  WorkerPool pool(3);
  v1::HealthResponse response;
  ASSERT_TRUE(health(v1::HealthRequest(), &response, pool).ok());
  EXPECT_TRUE(response.serving());
  EXPECT_EQ(response.libsodium_version(), std::string(nacl::libsodium_version()));
  EXPECT_EQ(response.worker_threads(), 3u);
}

}  // namespace
}  // namespace anochat::server

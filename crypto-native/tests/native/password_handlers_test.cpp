#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "handlers.hpp"

namespace anochat::server {
namespace {

// A budget that never makes these tests wait: the default one of the server.
MemoryBudget& budget() {
  static MemoryBudget instance({512ull << 20, 64, std::chrono::milliseconds(10'000)});
  return instance;
}

MemoryBudget::Clock::time_point soon() { return MemoryBudget::Clock::now() + std::chrono::seconds(30); }

v1::PwHashRequest hash_request(const std::string& password, uint64_t ops, uint64_t mem) {
  v1::PwHashRequest request;
  request.set_password(password);
  request.set_ops_limit(ops);
  request.set_mem_limit(mem);
  return request;
}

grpc::Status hash_status(const v1::PwHashRequest& request) {
  v1::PwHashResponse response;
  const grpc::Status status = pw_hash(request, &response, budget(), soon());
  if (!status.ok()) {
    EXPECT_TRUE(response.hash().empty());
  }
  return status;
}

bool password_matches(const std::string& hash, const std::string& password) {
  v1::PwVerifyRequest request;
  request.set_hash(hash);
  request.set_password(password);
  v1::PwVerifyResponse response;
  EXPECT_TRUE(pw_verify(request, &response, budget(), soon()).ok());
  return response.valid();
}

TEST(PasswordHandlers, HashThenVerify) {
  v1::PwHashResponse response;
  ASSERT_TRUE(pw_hash(hash_request("hunter2", 1, 8192), &response, budget(), soon()).ok());
  EXPECT_EQ(response.hash().rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u);
  EXPECT_TRUE(password_matches(response.hash(), "hunter2"));
  EXPECT_FALSE(password_matches(response.hash(), "hunter3"));
}

TEST(PasswordHandlers, MalformedHashIsANonMatch) {
  EXPECT_FALSE(password_matches("", "pw"));
  EXPECT_FALSE(password_matches("$argon2id$v=19$m=8,t=1,p=1$garbage", "pw"));
  EXPECT_FALSE(password_matches(std::string(500, '$'), "pw"));
  EXPECT_FALSE(password_matches("$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA", "pw"));
}

TEST(PasswordHandlers, CostLimits) {
  struct Case {
    uint64_t ops, mem;
    const char* message;
  };
  const Case cases[] = {
      {0, 8192, "ops_limit: must be between 1 and 16, got 0"},
      {17, 8192, "ops_limit: must be between 1 and 16, got 17"},
      // Values that would wrap around to valid ones if narrowed to 32 bits before checking.
      {(uint64_t{1} << 32) + 1, 8192, "ops_limit: must be between 1 and 16, got 4294967297"},
      {1, 8191, "mem_limit: must be between 8192 and 268435456 bytes, got 8191"},
      {1, 268435457, "mem_limit: must be between 8192 and 268435456 bytes, got 268435457"},
      {1, (uint64_t{1} << 32) + 8192, "mem_limit: must be between 8192 and 268435456 bytes, got 4294975488"},
      // Allowed by the core (pwhashMaxMemLimit) but not over gRPC (grpcPwhashMaxMemLimit).
      {1, 1073741824, "mem_limit: must be between 8192 and 268435456 bytes, got 1073741824"},
      // libsodium would run 9,215 bytes as 8,192: refused rather than rounded.
      {1, 9215, "mem_limit: must be a multiple of 1024 bytes, got 9215"},
  };
  for (const Case& c : cases) {
    const grpc::Status status = hash_status(hash_request("pw", c.ops, c.mem));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), c.message);
  }
}

TEST(PasswordHandlers, PasswordTooLong) {
  const std::string too_long(ANOCHAT_MAX_PASSWORD_BYTES + 1, 'p');
  const grpc::Status status = hash_status(hash_request(too_long, 1, 8192));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "password: password is longer than 4096 bytes");

  v1::PwVerifyRequest request;
  request.set_hash("$argon2id$v=19$m=8,t=1,p=1$x$y");
  request.set_password(too_long);
  v1::PwVerifyResponse response;
  const grpc::Status verify_status = pw_verify(request, &response, budget(), soon());
  EXPECT_EQ(verify_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(verify_status.error_message(), "password: password is longer than 4096 bytes");
}

TEST(PasswordHandlers, WaitForTheBudgetAndAnswerBusyWhenItDoesNotComeFree) {
  MemoryBudget small({64 * 1024, 1, std::chrono::milliseconds(20)});
  // A call larger than the whole budget can never run: refused as a bad request, not queued.
  v1::PwHashResponse response;
  const grpc::Status too_big = pw_hash(hash_request("pw", 1, 65 * 1024), &response, small, soon());
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(too_big.error_message(), "mem_limit: must be between 8192 and 65536 bytes, got 66560");

  // The whole budget leased elsewhere: the call waits 20 ms, then answers busy (retry later).
  {
    const MemoryBudget::Lease held = small.acquire(64 * 1024, soon());
    ASSERT_TRUE(held.granted());
    const grpc::Status busy = pw_hash(hash_request("pw", 1, 8192), &response, small, soon());
    EXPECT_EQ(busy.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(busy.error_details(), "UNAVAILABLE");
    EXPECT_EQ(busy.error_message(), "PwHash: no Argon2id memory came free within the wait; retry later");
    v1::PwVerifyRequest verify;
    verify.set_hash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA");
    v1::PwVerifyResponse verdict;
    EXPECT_EQ(pw_verify(verify, &verdict, small, soon()).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  EXPECT_TRUE(pw_hash(hash_request("pw", 1, 8192), &response, small, soon()).ok());
  EXPECT_EQ(small.in_use(), 0u);
}

TEST(PasswordHandlers, VerifyRefusesCostsTheServerDoesNotHashWith) {
  // States 512 MiB, above grpcPwhashMaxMemLimit: not made here, a non-match without any work.
  EXPECT_FALSE(password_matches("$argon2id$v=19$m=524288,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA", "pw"));
  // Within the server's cap but above a budget lowered since: a configuration problem.
  MemoryBudget small({64 * 1024, 1, std::chrono::milliseconds(20)});
  v1::PwVerifyRequest request;
  request.set_hash("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA");
  request.set_password("pw");
  v1::PwVerifyResponse response;
  EXPECT_EQ(pw_verify(request, &response, small, soon()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace anochat::server

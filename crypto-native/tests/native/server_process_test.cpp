// The real anochat-crypto-server binary: startup line, calls over a unix socket and TCP, the
// message size cap, and graceful shutdown on SIGTERM with a call in flight.
#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "anochat/nacl.hpp"
#include "crypto.grpc.pb.h"

extern char** environ;

namespace anochat::server {
namespace {

namespace v1 = anochat::crypto::v1;

// One server process, stopped (SIGKILL) at the end of the test if still running.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    stdout_fd_ = pipe_fds[0];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);

    std::vector<std::string> argv_strings{ANOCHAT_SERVER_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> env_strings(extra_env);
    for (char** e = environ; *e != nullptr; e++) env_strings.emplace_back(*e);
    std::vector<char*> argv = pointers(argv_strings), envp = pointers(env_strings);

    if (posix_spawn(&pid_, ANOCHAT_SERVER_BINARY, &actions, nullptr, argv.data(), envp.data()) != 0)
      throw std::runtime_error("posix_spawn failed");
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
  }

  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_fd_);
  }

  // Everything the server printed until the first newline, or "" after the timeout.
  std::string first_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (line.empty() || line.back() != '\n') {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) <= 0) return "";
      char c;
      if (read(stdout_fd_, &c, 1) != 1) return "";
      line += c;
    }
    line.pop_back();
    return line;
  }

  void signal(int number) { kill(pid_, number); }

  // The exit code, or -1 if the process did not exit normally.
  int wait_exit_code() {
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (std::string& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool exited_ = false;
};

std::string unique_socket_path() {
  return "/tmp/anochat-test-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".sock";
}

// Tests drop their stub (and its channel) before signalling the server: shutdown waits for
// connected clients to acknowledge GOAWAY, and an idle C++ channel is only polled every 5 s.
std::unique_ptr<v1::Crypto::Stub> connect(const std::string& address) {
  grpc::ChannelArguments arguments;
  // No client-side caps: the server's receive cap is the one under test, and a sealed box of
  // almost maxGrpcMessageBytes exceeds gRPC's default 4 MiB receive limit.
  arguments.SetMaxSendMessageSize(-1);
  arguments.SetMaxReceiveMessageSize(-1);
  return v1::Crypto::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
}

std::unique_ptr<grpc::ClientContext> context_with_deadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

TEST(ServerProcess, ServesOverAUnixSocketAndStopsOnSigterm) {
  const std::string address = "unix:" + unique_socket_path();
  ServerProcess server({"--listen", address}, {});
  ASSERT_EQ(server.first_line(), "listening on " + address);
  auto stub = connect(address);

  v1::HealthResponse health;
  ASSERT_TRUE(stub->Health(context_with_deadline().get(), v1::HealthRequest(), &health).ok());
  EXPECT_TRUE(health.serving());
  EXPECT_EQ(health.libsodium_version(), std::string(nacl::libsodium_version()));
  EXPECT_GE(health.worker_threads(), 1u);

  const nacl::KeyPair pair = nacl::sign_keypair().value();
  v1::VerifyBatchRequest batch;
  for (int i = 0; i < 64; i++) {
    const std::string message = "item " + std::to_string(i);
    const nacl::Bytes sig = nacl::sign_detached(message, pair.secret_key).value();
    v1::SignedMessage* item = batch.add_items();
    item->set_public_key(pair.public_key.data(), pair.public_key.size());
    item->set_message(i == 5 ? "forged" : message);
    item->set_signature(sig.data(), sig.size());
  }
  v1::VerifyBatchResponse verified;
  ASSERT_TRUE(stub->VerifyBatch(context_with_deadline().get(), batch, &verified).ok());
  ASSERT_EQ(verified.valid_size(), 64);
  for (int i = 0; i < 64; i++) EXPECT_EQ(verified.valid(i), i != 5) << i;

  v1::SealToRequest bad_seal;
  bad_seal.set_recipient_public_key("short");
  v1::SealToResponse sealed;
  const grpc::Status rejected = stub->SealTo(context_with_deadline().get(), bad_seal, &sealed);
  EXPECT_EQ(rejected.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(rejected.error_message(), "recipient_public_key: must be 32 bytes, got 5");

  stub.reset();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit_code(), 0);
}

TEST(ServerProcess, CapsTheRequestSize) {
  const std::string address = "unix:" + unique_socket_path();
  ServerProcess server({"--listen", address}, {});
  ASSERT_EQ(server.first_line(), "listening on " + address);
  auto stub = connect(address);
  v1::SealToRequest request;
  request.set_recipient_public_key(std::string(32, 9));
  request.set_message(std::string(ANOCHAT_MAX_GRPC_MESSAGE_BYTES, 'm'));  // plus the key: over
  v1::SealToResponse response;
  const grpc::Status status = stub->SealTo(context_with_deadline().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();

  request.set_message(std::string(ANOCHAT_MAX_GRPC_MESSAGE_BYTES - 1024, 'm'));
  EXPECT_TRUE(stub->SealTo(context_with_deadline().get(), request, &response).ok());
  EXPECT_EQ(response.sealed().size(), request.message().size() + ANOCHAT_SEALBYTES);
  stub.reset();
  server.signal(SIGINT);
  EXPECT_EQ(server.wait_exit_code(), 0);
}

TEST(ServerProcess, FinishesACallInFlightBeforeExiting) {
  const std::string address = "unix:" + unique_socket_path();
  ServerProcess server({"--listen", address}, {});
  ASSERT_EQ(server.first_line(), "listening on " + address);
  auto stub = connect(address);
  v1::HealthResponse health;
  ASSERT_TRUE(stub->Health(context_with_deadline().get(), v1::HealthRequest(), &health).ok());

  // About half a second of Argon2id, so the signal lands while the call runs.
  v1::PwHashRequest request;
  request.set_password("pw");
  request.set_ops_limit(4);
  request.set_mem_limit(128u << 20);
  auto call = std::async(std::launch::async, [&] {
    v1::PwHashResponse response;
    const grpc::Status status = stub->PwHash(context_with_deadline().get(), request, &response);
    return std::make_pair(status, response.hash());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  server.signal(SIGTERM);
  const auto [status, hash] = call.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=131072,t=4,p=1$", 0), 0u);
  EXPECT_EQ(server.wait_exit_code(), 0);
}

TEST(ServerProcess, ListensOnTheAddressFromTheEnvironment) {
  ServerProcess server({}, {"CRYPTO_LISTEN=127.0.0.1:0"});
  const std::string line = server.first_line();
  const std::string prefix = "listening on 127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  EXPECT_NE(line, prefix + "0");
  auto stub = connect(line.substr(std::string("listening on ").size()));
  v1::HealthResponse health;
  EXPECT_TRUE(stub->Health(context_with_deadline().get(), v1::HealthRequest(), &health).ok());
  stub.reset();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit_code(), 0);
}

TEST(ServerProcess, AnswersAnUnparseableRequestWithInvalidArgumentAndItsReason) {
  const std::string address = "unix:" + unique_socket_path();
  ServerProcess server({"--listen", address}, {});
  ASSERT_EQ(server.first_line(), "listening on " + address);
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  // Field 1 (items) as a length-delimited field whose length runs past the end of the message.
  const std::string garbage("\x0a\xff\xff\xff\x0f", 5);
  for (const char* method : {"VerifyBatch", "PwHash", "PwVerify", "SealTo", "SealOpen"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&context, std::string("/anochat.crypto.v1.Crypto/") + method, {}, &request,
                      &response, [&](grpc::Status status) { done.set_value(status); });
    const grpc::Status status = done.get_future().get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_EQ(status.error_details(), "INVALID_ARGUMENT") << method;
    EXPECT_EQ(status.error_message().rfind("request: is not a valid anochat.crypto.v1.", 0), 0u)
        << status.error_message();
  }
  auto stub = connect(address);
  v1::HealthResponse health;
  EXPECT_TRUE(stub->Health(context_with_deadline().get(), v1::HealthRequest(), &health).ok());
  stub.reset();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit_code(), 0);
}

TEST(ServerProcess, RunsNoMoreArgon2idThanItsBudgetAndAnswersBusyBeyondIt) {
  const std::string address = "unix:" + unique_socket_path();
  // Room for one 64 MiB hash at a time, and no call may wait: a second one is refused at once.
  ServerProcess server({"--listen", address, "--pwhash-memory-budget", std::to_string(64u << 20),
                        "--pwhash-max-waiting", "0"},
                       {});
  ASSERT_EQ(server.first_line(), "listening on " + address);
  auto stub = connect(address);
  v1::PwHashRequest request;
  request.set_password("pw");
  request.set_ops_limit(16);  // 16 passes over 64 MiB, a second or more: the next call overlaps it
  request.set_mem_limit(64u << 20);
  auto first = std::async(std::launch::async, [&] {
    v1::PwHashResponse response;
    return stub->PwHash(context_with_deadline().get(), request, &response);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  v1::PwHashResponse response;
  const grpc::Status second = stub->PwHash(context_with_deadline().get(), request, &response);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << second.error_message();
  EXPECT_EQ(second.error_details(), "UNAVAILABLE");
  EXPECT_TRUE(first.get().ok());
  request.set_ops_limit(1);
  EXPECT_TRUE(stub->PwHash(context_with_deadline().get(), request, &response).ok());
  stub.reset();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit_code(), 0);
}

TEST(ServerProcess, RefusesToStartWithoutAnAddress) {
  ServerProcess server({"--bogus"}, {});
  EXPECT_EQ(server.first_line(std::chrono::seconds(5)), "");
  EXPECT_EQ(server.wait_exit_code(), 2);
}

}  // namespace
}  // namespace anochat::server

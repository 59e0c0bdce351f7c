// SealTo and SealOpen: anonymous sealed boxes to an X25519 public key.
#include "handlers.hpp"
#include "request_errors.hpp"

namespace anochat::server {

grpc::Status seal_to(const v1::SealToRequest& request, v1::SealToResponse* response) {
  grpc::Status status = require_size("recipient_public_key", request.recipient_public_key().size(),
                                     ANOCHAT_BOX_PUBLICKEYBYTES);
  if (!status.ok()) return status;
  auto sealed = nacl::box_seal(request.message(), request.recipient_public_key());
  // The key's size is right, so a core error is about the key's value (small order) or the message.
  if (!sealed.ok())
    return core_error(sealed.status() == ANOCHAT_E_WEAK_KEY ? "recipient_public_key" : "message",
                      sealed.error());
  const nacl::Bytes& bytes = sealed.value();
  response->set_sealed(bytes.data(), bytes.size());
  return grpc::Status::OK;
}

grpc::Status seal_open(const v1::SealOpenRequest& request, v1::SealOpenResponse* response) {
  grpc::Status status =
      require_size("public_key", request.public_key().size(), ANOCHAT_BOX_PUBLICKEYBYTES);
  if (!status.ok()) return status;
  status = require_size("secret_key", request.secret_key().size(), ANOCHAT_BOX_SECRETKEYBYTES);
  if (!status.ok()) return status;

  auto opened = nacl::box_seal_open(request.sealed(), request.public_key(), request.secret_key());
  if (opened.status() == ANOCHAT_E_FAILED) {
    response->set_opened(false);
    return grpc::Status::OK;
  }
  if (!opened.ok()) return core_error("sealed", opened.error());
  const nacl::Bytes& message = opened.value();
  response->set_opened(true);
  response->set_message(message.data(), message.size());
  return grpc::Status::OK;
}

}  // namespace anochat::server

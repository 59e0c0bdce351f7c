#include "termination_signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace anochat::server {
namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void block_termination_signals() {
  const sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal() {
  const sigset_t set = termination_signals();
  int received = 0;
  sigwait(&set, &received);  // fails only for an invalid set
  return received;
}

}  // namespace anochat::server

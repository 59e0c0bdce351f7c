// SIGTERM/SIGINT handling by sigwait: no async signal handler, so shutdown runs as normal code.
#ifndef ANOCHAT_SERVER_TERMINATION_SIGNALS_HPP
#define ANOCHAT_SERVER_TERMINATION_SIGNALS_HPP

namespace anochat::server {

// Blocks SIGTERM and SIGINT in the calling thread. Call it before any thread starts: threads
// inherit the mask, so the signals then stay pending for wait_for_termination_signal().
void block_termination_signals();

// Waits until SIGTERM or SIGINT arrives and returns its number.
int wait_for_termination_signal();

}  // namespace anochat::server

#endif

#include "train/signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace pigment::train {

namespace {
// A signal handler can reach nothing but static storage: these flags (and the handlers they
// replaced) are the one piece of global state in Pigment, with gan-train --gpu_ids's forwarding
// flag (train/local_launch.cpp); only the handler and InterruptHandler touch them.
std::atomic<int> g_interrupts{0};
std::atomic<bool> g_announce{true};

extern "C" void on_interrupt(int) {
  if (g_interrupts.fetch_add(1) >= 1) _exit(130);  // the second Ctrl-C: leave now
  const char message[] = "\ngan-train: interrupted; saving a checkpoint after this step (Ctrl-C again to quit at once)\n";
  if (g_announce.load()) {
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, message, sizeof message - 1);
  }
}

struct sigaction g_previous_int, g_previous_term, g_previous_hup, g_previous_usr1;
}  // namespace

InterruptHandler::InterruptHandler(bool announce) {
  g_interrupts = 0;
  g_announce = announce;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  sigaction(SIGHUP, &action, &g_previous_hup);  // the terminal closed, ssh dropped, tmux killed: save too
  sigaction(SIGUSR1, &action, &g_previous_usr1);  // a batch system's warning; mpirun forwards it to every rank
}

InterruptHandler::~InterruptHandler() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGHUP, &g_previous_hup, nullptr);
  sigaction(SIGUSR1, &g_previous_usr1, nullptr);
}

bool InterruptHandler::requested() const { return g_interrupts.load() > 0; }

}  // namespace pigment::train

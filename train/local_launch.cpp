#include "train/local_launch.h"

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "engine/error.h"

extern char** environ;

namespace pigment::train {

namespace {

// Static because a signal handler reaches nothing else: SIGTERM to the parent is passed on by the
// waiting loop (the handler only records it).
std::atomic<int> g_forward_signal{0};
extern "C" void on_parent_signal(int sig) { g_forward_signal.store(sig); }

// The environment of child `rank`: the parent's, less any launcher variables, plus torchrun's.
std::vector<std::string> child_environment(int rank, int processes, int port) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (name == "RANK" || name == "WORLD_SIZE" || name == "LOCAL_RANK" || name == "LOCAL_WORLD_SIZE" ||
        name == "MASTER_ADDR" || name == "MASTER_PORT")
      continue;
    env.push_back(entry);
  }
  env.push_back(fmt::format("RANK={}", rank));
  env.push_back(fmt::format("LOCAL_RANK={}", rank));
  env.push_back(fmt::format("WORLD_SIZE={}", processes));
  env.push_back(fmt::format("LOCAL_WORLD_SIZE={}", processes));
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back(fmt::format("MASTER_PORT={}", port));
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (std::string& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

std::string how_it_ended(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "ended";
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  PIGMENT_CHECK(fd >= 0, "cannot open a socket to find a free port: {}", std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  PIGMENT_CHECK(ok, "cannot find a free port on 127.0.0.1: {}", std::strerror(errno));
  return ntohs(address.sin_port);
}

int run_local_ranks(const LocalLaunch& launch) {
  PIGMENT_CHECK(launch.processes >= 1 && !launch.argv.empty(), "run_local_ranks: nothing to start");
  const int port = free_loopback_port();
  std::vector<std::string> argv = launch.argv;
  std::vector<char*> argv_p = pointers(argv);

  struct sigaction action {}, previous_term {}, previous_int {};
  action.sa_handler = on_parent_signal;
  sigemptyset(&action.sa_mask);
  g_forward_signal = 0;
  sigaction(SIGTERM, &action, &previous_term);
  // Ctrl-C reaches the children from the terminal; the parent waits for them to save and stop.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &previous_int);

  std::vector<pid_t> children;
  auto stop_children = [&](int sig) {
    for (pid_t pid : children)
      if (pid > 0) ::kill(pid, sig);
  };
  for (int rank = 0; rank < launch.processes; ++rank) {
    std::vector<std::string> env = child_environment(rank, launch.processes, port);
    std::vector<char*> env_p = pointers(env);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0].c_str(), nullptr, nullptr, argv_p.data(), env_p.data());
    if (rc != 0) {
      stop_children(SIGTERM);
      for (pid_t child : children) ::waitpid(child, nullptr, 0);
      sigaction(SIGTERM, &previous_term, nullptr);
      sigaction(SIGINT, &previous_int, nullptr);
      PIGMENT_FAIL("cannot start rank {} ('{}'): {}", rank, argv[0], std::strerror(rc));
    }
    children.push_back(pid);
  }

  int result = 0;
  int running = launch.processes;
  bool stopping = false;
  auto stop_deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    if (const int sig = g_forward_signal.exchange(0)) stop_children(sig);
    if (std::chrono::steady_clock::now() > stop_deadline) {
      stop_children(SIGKILL);
      stop_deadline = std::chrono::steady_clock::time_point::max();
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (pid < 0) break;  // no children left
    int rank = -1;
    for (std::size_t i = 0; i < children.size(); ++i)
      if (children[i] == pid) {
        rank = static_cast<int>(i);
        children[i] = -1;
      }
    if (rank < 0) continue;
    --running;
    const bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    // 130: interrupted, having saved with the others (they stop at the same step): not a failure
    // to stop the others for.
    const bool interrupted = WIFEXITED(status) && WEXITSTATUS(status) == 130;
    if (failed && result == 0) result = exit_code_of(status);
    if (failed && !interrupted) {
      if (!stopping && running > 0) {
        fmt::print(stderr, "gan-train: rank {} {}; stopping the other {} rank(s)\n", rank, how_it_ended(status),
                   running);
        stop_children(SIGTERM);
        stopping = true;
        stop_deadline = std::chrono::steady_clock::now() + launch.grace;
      } else if (!stopping) {
        fmt::print(stderr, "gan-train: rank {} {}\n", rank, how_it_ended(status));
      }
    }
  }
  sigaction(SIGTERM, &previous_term, nullptr);
  sigaction(SIGINT, &previous_int, nullptr);
  return result;
}

}  // namespace pigment::train

#include "engine/distributed/tcp_rendezvous.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.h"

namespace pigment::distributed {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kMagic = 0x50474d54;  // "PGMT": a Pigment rank, not some other service on the port

class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Socket& operator=(Socket&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, left));
}

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

void send_all(int fd, const void* data, std::size_t bytes, Clock::time_point deadline, const std::string& peer) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    PIGMENT_CHECK(wait_ready(fd, POLLOUT, deadline), "rendezvous: sending to {} timed out", peer);
    const ssize_t n = ::send(fd, p, bytes, MSG_NOSIGNAL);
    PIGMENT_CHECK(n > 0 || errno == EINTR || errno == EAGAIN, "rendezvous: sending to {} failed: {}", peer,
                  std::strerror(errno));
    if (n > 0) {
      p += n;
      bytes -= static_cast<std::size_t>(n);
    }
  }
}

void receive_all(int fd, void* data, std::size_t bytes, Clock::time_point deadline, const std::string& peer) {
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    PIGMENT_CHECK(wait_ready(fd, POLLIN, deadline), "rendezvous: waiting for {} timed out", peer);
    const ssize_t n = ::recv(fd, p, bytes, 0);
    PIGMENT_CHECK(n != 0, "rendezvous: {} closed the connection", peer);
    PIGMENT_CHECK(n > 0 || errno == EINTR || errno == EAGAIN, "rendezvous: receiving from {} failed: {}", peer,
                  std::strerror(errno));
    if (n > 0) {
      p += n;
      bytes -= static_cast<std::size_t>(n);
    }
  }
}

addrinfo* resolve(const LaunchInfo& launch, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(launch.master_port);
  const int rc = ::getaddrinfo(launch.master_addr.c_str(), port.c_str(), &hints, &found);
  PIGMENT_CHECK(rc == 0, "rendezvous: MASTER_ADDR '{}' does not resolve ({}): give rank 0's host name or address",
                launch.master_addr, gai_strerror(rc));
  return found;
}

std::vector<std::byte> serve(const LaunchInfo& launch, std::span<const std::byte> payload, Clock::time_point deadline) {
  addrinfo* found = resolve(launch, true);
  Socket listener;
  int bind_errno = 0;
  for (addrinfo* a = found; a; a = a->ai_next) {
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (s.fd() < 0) continue;
    const int on = 1;
    ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(s.fd(), a->ai_addr, a->ai_addrlen) == 0 && ::listen(s.fd(), 128) == 0) {
      listener = std::move(s);
      break;
    }
    bind_errno = errno;
  }
  ::freeaddrinfo(found);
  PIGMENT_CHECK(listener.fd() >= 0,
                "rendezvous: rank 0 cannot listen on {}:{} ({}): choose a free MASTER_PORT on a MASTER_ADDR of this "
                "machine", launch.master_addr, launch.master_port, std::strerror(bind_errno));
  std::set<int> joined;
  while (static_cast<int>(joined.size()) < launch.world_size - 1) {
    PIGMENT_CHECK(wait_ready(listener.fd(), POLLIN, deadline),
                  "rendezvous: rank 0 waited for {} rank(s) and {} of them came (ranks {}): start every rank, with "
                  "the same MASTER_ADDR and MASTER_PORT",
                  launch.world_size - 1, joined.size(), fmt::join(joined, ", "));
    Socket peer(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
    if (peer.fd() < 0) continue;
    std::array<std::uint32_t, 3> hello{};  // magic, rank, world size (network byte order)
    try {
      receive_all(peer.fd(), hello.data(), sizeof hello, deadline, "a connecting rank");
    } catch (const Error&) {
      continue;  // not one of ours (a port scanner, a stale client): keep listening
    }
    if (ntohl(hello[0]) != kMagic) continue;
    const int rank = static_cast<int>(ntohl(hello[1])), size = static_cast<int>(ntohl(hello[2]));
    PIGMENT_CHECK(size == launch.world_size, "rendezvous: rank {} was started with WORLD_SIZE={}, rank 0 with {}: start "
                  "every rank with the same WORLD_SIZE", rank, size, launch.world_size);
    PIGMENT_CHECK(rank > 0 && rank < size && !joined.contains(rank),
                  "rendezvous: a second process says it is rank {}: give each process its own RANK", rank);
    joined.insert(rank);
    const std::uint32_t length = htonl(static_cast<std::uint32_t>(payload.size()));
    const std::string who = fmt::format("rank {}", rank);
    send_all(peer.fd(), &length, sizeof length, deadline, who);
    send_all(peer.fd(), payload.data(), payload.size(), deadline, who);
  }
  return {payload.begin(), payload.end()};
}

std::vector<std::byte> join(const LaunchInfo& launch, Clock::time_point deadline) {
  const std::string master = fmt::format("rank 0 at {}:{}", launch.master_addr, launch.master_port);
  for (;;) {
    addrinfo* found = resolve(launch, false);
    Socket s;
    for (addrinfo* a = found; a && s.fd() < 0; a = a->ai_next) {
      Socket attempt(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
      if (attempt.fd() >= 0 && ::connect(attempt.fd(), a->ai_addr, a->ai_addrlen) == 0) s = std::move(attempt);
    }
    ::freeaddrinfo(found);
    if (s.fd() >= 0) {
      const std::array<std::uint32_t, 3> hello{htonl(kMagic), htonl(static_cast<std::uint32_t>(launch.rank)),
                                               htonl(static_cast<std::uint32_t>(launch.world_size))};
      send_all(s.fd(), hello.data(), sizeof hello, deadline, master);
      std::uint32_t length = 0;
      receive_all(s.fd(), &length, sizeof length, deadline, master);
      std::vector<std::byte> payload(ntohl(length));
      receive_all(s.fd(), payload.data(), payload.size(), deadline, master);
      return payload;
    }
    PIGMENT_CHECK(Clock::now() < deadline,
                  "rendezvous: rank {} could not reach {} before the timeout: start rank 0, and check MASTER_ADDR and "
                  "MASTER_PORT", launch.rank, master);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // rank 0 is not listening yet
  }
}

}  // namespace

std::vector<std::byte> tcp_rendezvous(const LaunchInfo& launch, std::span<const std::byte> payload,
                                      double timeout_seconds) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  if (launch.world_size == 1) return {payload.begin(), payload.end()};
  return launch.rank == 0 ? serve(launch, payload, deadline) : join(launch, deadline);
}

}  // namespace pigment::distributed

#pragma once
// gan-serve's HTTP server: the colorize page and the JSON API it uses (docs/gan-serve.md), on
// cpp-httplib. Requests that run a model go through one bounded queue, one at a time: a full
// queue answers 503 at once, a request that waits and runs longer than the timeout answers 504.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace pigment::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed)
  std::filesystem::path checkpoints_dir = "./checkpoints";
  std::filesystem::path results_dir = "./results/gan-serve";
  std::string device = "auto";
  std::uint64_t max_upload_bytes = 25u << 20;  // the whole request body
  std::uint64_t max_pixels = 40u << 20;        // width × height of a decoded image
  int max_side = 12000;
  int max_queue = 4;          // requests waiting or running at once; more are told the server is busy
  double timeout_seconds = 300;
  int max_alternatives = 8;
  int keep_results = 200;     // result folders kept in results_dir (the oldest removed)
  int http_threads = 8;
};

class Server {
 public:
  explicit Server(ServeOptions options);
  ~Server();
  // Binds (printing the address), then serves until stop(). Returns 0, or throws pigment::Error
  // naming the problem (a port in use, an unwritable results folder).
  int run();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace pigment::serve

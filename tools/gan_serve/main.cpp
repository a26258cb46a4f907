// gan-serve: the colorize page. A local web app serving the trained experiments of a checkpoints
// folder: pick a photo (or several), pick the experiment, colorize, and see the result beside the
// gray input and the original, with PSNR, SSIM and colorfulness; the JSON API the page uses works
// from curl too (docs/gan-serve.md).
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/exit.h"
#include "tools/command_line.h"
#include "tools/gan_serve/server.h"

using namespace pigment;

namespace {
serve::Server* g_server = nullptr;  // for the signal handler only: Ctrl-C stops the server cleanly
extern "C" void on_signal(int) {
  if (g_server) g_server->stop();
}
}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"gan-serve: the colorize page — a local web app that colorizes photos with the trained experiments of "
               "--checkpoints_dir (open the address it prints)",
               "gan-serve"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  serve::ServeOptions o;
  std::string checkpoints = o.checkpoints_dir.string(), results = o.results_dir.string();
  double max_upload_mb = static_cast<double>(o.max_upload_bytes >> 20), max_megapixels = static_cast<double>(o.max_pixels >> 20);
  app.add_option("--host", o.host, "the address to listen on (127.0.0.1: this machine only)")->capture_default_str();
  add_number(app, "--port", o.port, "the port (0: any free one, printed)", {0, 65535});
  app.add_option("--checkpoints_dir", checkpoints, "the experiments to serve")->capture_default_str();
  app.add_option("--results_dir", results, "where results are written (the last --keep_results of them)")
      ->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda, cuda:N, simt or auto")->capture_default_str();
  add_number(app, "--max_upload_mb", max_upload_mb, "the largest request body, in MiB", {0.01, 1024.0});
  add_number(app, "--max_megapixels", max_megapixels, "the largest decoded image, in Mi pixels (width × height)",
             {0.01, 1024.0});
  add_number(app, "--max_queue", o.max_queue, "requests waiting or running at once; more are answered 'busy' (503)",
             {1, 1024});
  add_number(app, "--timeout", o.timeout_seconds, "seconds a request may wait and run before it is cut (504)",
             {1.0, 86400.0});
  add_number(app, "--keep_results", o.keep_results, "result folders kept", {1, 1000000});
  add_number(app, "--max_alternatives", o.max_alternatives, "the most colorizations one request may ask of a memory "
             "colorizer", {1, 256});
  if (auto code = parse_command_line(app, "gan-serve", argc, argv)) return *code;
  o.checkpoints_dir = checkpoints;
  o.results_dir = results;
  o.max_upload_bytes = static_cast<std::uint64_t>(max_upload_mb * (1 << 20));
  o.max_pixels = static_cast<std::uint64_t>(max_megapixels * (1 << 20));
  try {
    serve::Server server(o);
    g_server = &server;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const int status = server.run();
    g_server = nullptr;
    fmt::print("gan-serve: stopped\n");
    return status;
  } catch (const std::exception& e) {
    return report_failure("gan-serve", e);
  }
}

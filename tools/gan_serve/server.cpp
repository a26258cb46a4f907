#include "tools/gan_serve/server.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/file_io.h"
#include "engine/philox.h"
#include "tools/gan_serve/experiments.h"
#include "tools/gan_serve/page.h"
#include "train/device_choice.h"

namespace pigment::serve {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// One worker runs the model jobs in arrival order; at most `limit` are waiting or running.
class JobQueue {
 public:
  struct Job {
    std::function<void()> work;
    std::atomic<bool> abandoned{false};  // its requester gave up (timeout): skip it if not started
    std::promise<void> done;
  };
  explicit JobQueue(int limit) : limit_(limit), worker_([this] { loop(); }) {}
  ~JobQueue() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  // The job, or null when `limit` jobs are in already (the caller answers "busy").
  std::shared_ptr<Job> submit(std::function<void()> work) {
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    {
      std::lock_guard lock(mutex_);
      if (static_cast<int>(waiting_.size()) + running_ >= limit_) return nullptr;
      waiting_.push_back(job);
    }
    cv_.notify_one();
    return job;
  }
  int in_system() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(waiting_.size()) + running_;
  }

 private:
  void loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
        if (stopping_ && waiting_.empty()) return;
        job = waiting_.front();
        waiting_.pop_front();
        ++running_;
      }
      if (!job->abandoned) job->work();
      job->done.set_value();
      std::lock_guard lock(mutex_);
      --running_;
    }
  }
  int limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> waiting_;
  int running_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", message}}.dump(), "application/json");
}

std::string field(const httplib::Request& req, const std::string& name, const std::string& fallback = "") {
  if (req.has_file(name)) return req.get_file_value(name).content;
  if (req.has_param(name)) return req.get_param_value(name);
  return fallback;
}

// The result names a page may fetch: input.png, original.png, output_<k>.png.
const std::regex kResultFile(R"(^(input|original|output_[0-9]{1,2})\.png$)");
const std::regex kResultId(R"(^[0-9a-f]{16}$)");

std::string file_bytes(const fs::path& path) {
  const std::vector<std::byte> b = read_file(path);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
}  // namespace

struct Server::State {
  ServeOptions o;
  Device device;
  ExperimentCache cache;
  JobQueue queue;
  httplib::Server http;
  std::mutex results_mutex;
  std::deque<std::string> results;  // result ids, oldest first
  std::atomic<std::uint64_t> counter{0};
  std::uint64_t id_seed;

  explicit State(ServeOptions options)
      : o(std::move(options)),
        device(train::select_device(o.device)),
        cache(o.checkpoints_dir, device),
        queue(o.max_queue),
        id_seed(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

  std::string new_result_id() {
    const std::uint64_t n = counter++;
    const std::uint32_t hi = philox::word(id_seed, 2 * n), lo = philox::word(id_seed, 2 * n + 1);
    return fmt::format("{:08x}{:08x}", hi, lo);
  }

  // Writes a result's images and metrics under results_dir/<id>, and removes the oldest beyond the bound.
  json store(const std::string& id, const std::string& experiment, const Result& r) {
    const fs::path dir = o.results_dir / id;
    fs::create_directories(dir);
    auto save = [&](const std::string& name, const data::Image& im) {
      write_file_atomically(dir / name, data::png_bytes(im));
      return fmt::format("/api/results/{}/{}", id, name);
    };
    json outputs = json::array();
    for (std::size_t k = 0; k < r.outputs.size(); ++k)
      outputs.push_back({{"label", r.outputs[k].label}, {"note", r.outputs[k].note},
                         {"url", save(fmt::format("output_{}.png", k), r.outputs[k].image)}});
    json out = {{"id", id},
                {"experiment", experiment},
                {"width", r.outputs.front().image.width},
                {"height", r.outputs.front().image.height},
                {"input", save("input.png", r.input)},
                {"original", r.original ? json(save("original.png", *r.original)) : json(nullptr)},
                {"outputs", outputs},
                {"metrics", r.metrics}};
    const std::string text = out.dump(1);
    write_file_atomically(dir / "result.json", std::as_bytes(std::span(text.data(), text.size())));
    std::lock_guard lock(results_mutex);
    results.push_back(id);
    while (static_cast<int>(results.size()) > o.keep_results) {
      std::error_code ec;
      fs::remove_all(o.results_dir / results.front(), ec);
      results.pop_front();
    }
    return out;
  }

  std::optional<data::Image> decode(const httplib::MultipartFormData& file, const char* what, httplib::Response& res) {
    data::DecodeLimits limits;
    limits.max_file_bytes = o.max_upload_bytes;
    limits.max_pixels = o.max_pixels;
    limits.max_dimension = o.max_side;
    std::string error;
    // The upload's name is only ever shown, never used as a path.
    const std::string name = fmt::format("{} '{}'", what, file.filename.empty() ? "(unnamed)" : file.filename);
    auto image = data::decode_image_bytes(
        std::span(reinterpret_cast<const std::uint8_t*>(file.content.data()), file.content.size()), name, error,
        limits, 3);
    if (!image) {
      const bool too_large = error.find("over the limit") != std::string::npos;
      send_error(res, too_large ? 413 : 400,
                 error + (too_large ? "" : " — upload a PNG, JPEG or BMP photo"));
    }
    return image;
  }

  void colorize(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_file("image")) return send_error(res, 400, "no image: send the photo as the multipart field 'image'");
    std::string experiment = field(req, "experiment");
    if (experiment.empty()) {
      const auto all = list_experiments(o.checkpoints_dir);
      if (all.empty())
        return send_error(res, 404, fmt::format("no trained model in {}: train one first (the README's main command, "
                                                "build/bin/gan-train)", o.checkpoints_dir.string()));
      experiment = all.front().name;
    }
    if (!valid_experiment_name(experiment))
      return send_error(res, 400, fmt::format("'{}' is not an experiment name (letters, digits, '_', '-', '.')", experiment));
    int alternatives = 1;
    const std::string alt = field(req, "alternatives", "1");
    try {
      std::size_t used = 0;
      alternatives = std::stoi(alt, &used);
      if (used != alt.size()) throw std::invalid_argument(alt);
    } catch (const std::exception&) {
      return send_error(res, 400, fmt::format("alternatives '{}' is not a whole number", alt));
    }
    if (alternatives < 1 || alternatives > o.max_alternatives)
      return send_error(res, 400, fmt::format("alternatives must be between 1 and {}, got {}", o.max_alternatives,
                                              alternatives));
    auto request = std::make_shared<Request>();
    auto image = decode(req.get_file_value("image"), "image", res);
    if (!image) return;
    request->image = std::move(*image);
    request->alternatives = alternatives;
    if (req.has_file("reference") && !req.get_file_value("reference").content.empty()) {
      auto reference = decode(req.get_file_value("reference"), "reference photo", res);
      if (!reference) return;
      request->reference = std::move(*reference);
    }
    // The model runs on the worker; its outcome comes back here.
    auto outcome = std::make_shared<std::pair<json, std::pair<int, std::string>>>();  // result, or (status, error)
    const std::string id = new_result_id();
    auto job = queue.submit([this, request, outcome, experiment, id] {
      try {
        std::shared_ptr<LoadedExperiment> model = cache.get(experiment);
        outcome->first = store(id, experiment, model->run(*request));
      } catch (const Error& e) {
        const std::string what = e.what();
        outcome->second = {what.find("no trained experiment") != std::string::npos ? 404 : 400, what};
      } catch (const std::exception& e) {
        outcome->second = {500, std::string("the model failed: ") + e.what()};
      }
    });
    if (!job)
      return send_error(res, 503, fmt::format("busy: the server is at its limit of {} request(s) waiting or running; "
                                              "try again in a moment", o.max_queue));
    if (job->done.get_future().wait_for(std::chrono::duration<double>(o.timeout_seconds)) == std::future_status::timeout) {
      job->abandoned = true;
      return send_error(res, 504, fmt::format("the request took longer than {:g} s (waiting and running); try a smaller "
                                              "image", o.timeout_seconds));
    }
    if (outcome->second.first) return send_error(res, outcome->second.first, outcome->second.second);
    const json& out = outcome->first;
    if (field(req, "format") == "png") {  // the result's PNG itself, the metrics in a header (curl -o)
      const fs::path file = o.results_dir / id / "output_0.png";
      std::string bytes = file_bytes(file);
      res.set_header("X-Pigment-Metrics", out["metrics"].dump());
      res.set_header("X-Pigment-Result", out["id"].get<std::string>());
      res.set_content(std::move(bytes), "image/png");
      return;
    }
    res.set_content(out.dump(), "application/json");
  }

  void routes() {
    http.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kPage, "text/html; charset=utf-8"); });
    http.Get("/api/experiments", [this](const httplib::Request&, httplib::Response& res) {
      json list = json::array();
      for (const ExperimentInfo& e : list_experiments(o.checkpoints_dir))
        list.push_back({{"name", e.name}, {"model", e.model}, {"kind", e.kind}, {"netG", e.netG}, {"step", e.step}});
      json out = {{"experiments", list}, {"checkpoints_dir", o.checkpoints_dir.string()},
                  {"max_alternatives", o.max_alternatives}};
      if (list.empty())
        out["hint"] = fmt::format("No trained model in {}. Train one with the README's main command — "
                                  "tools/install-deps.sh && cmake -S . -B build -G Ninja && cmake --build build && "
                                  "build/bin/gan-train — then reload this page.",
                                  o.checkpoints_dir.string());
      res.set_content(out.dump(), "application/json");
    });
    http.Post("/api/colorize", [this](const httplib::Request& req, httplib::Response& res) { colorize(req, res); });
    http.Get(R"(/api/results/([^/]+)/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1], name = req.matches[2];
      if (!std::regex_match(id, kResultId) || !std::regex_match(name, kResultFile))
        return send_error(res, 404, "no such result");
      const fs::path file = o.results_dir / id / name;
      std::error_code ec;
      if (!fs::is_regular_file(file, ec)) return send_error(res, 404, "no such result (results are kept for the last "
                                                                   + std::to_string(o.keep_results) + " requests)");
      res.set_header("Content-Disposition", fmt::format("inline; filename=\"pigment_{}_{}\"", id, name));
      res.set_content(file_bytes(file), "image/png");
    });
    http.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"queue", queue.in_system()}, {"max_queue", o.max_queue}, {"model_loads", cache.loads()},
                           {"device", device.str()}}.dump(),
                      "application/json");
    });
    http.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413)
        send_error(res, 413, fmt::format("the upload is over the limit of {} MiB", o.max_upload_bytes >> 20));
      else if (res.status == 404)
        send_error(res, 404, "no such page: the colorize page is at /, the API under /api/ (docs/gan-serve.md)");
      else
        send_error(res, res.status, "the request could not be served");
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "internal error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      send_error(res, 500, what);
    });
    http.set_payload_max_length(o.max_upload_bytes);
    const int threads = o.http_threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  }
};

Server::Server(ServeOptions options) : state_(std::make_unique<State>(std::move(options))) {}
Server::~Server() = default;

int Server::run() {
  State& s = *state_;
  std::error_code ec;
  fs::create_directories(s.o.results_dir, ec);
  PIGMENT_CHECK(!ec, "cannot create the results folder {}: {} (choose another with --results_dir)",
                s.o.results_dir.string(), ec.message());
  s.routes();
  int port = s.o.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.o.host);
    PIGMENT_CHECK(port > 0, "cannot listen on {}: no free port", s.o.host);
  } else {
    PIGMENT_CHECK(s.http.bind_to_port(s.o.host, port), "cannot listen on {}:{} (in use, or not an address of this "
                  "machine): choose another with --port, or --port 0 for any free one", s.o.host, port);
  }
  const auto experiments = list_experiments(s.o.checkpoints_dir);
  fmt::print("gan-serve: {} experiment(s) in {}{}; running models on {}\n", experiments.size(),
             s.o.checkpoints_dir.string(), experiments.empty() ? " (none trained yet: the page says how)" : "",
             s.device.str());
  fmt::print("gan-serve: listening on http://{}:{}/\n", s.o.host, port);
  std::fflush(stdout);
  s.http.listen_after_bind();
  return 0;
}

void Server::stop() { state_->http.stop(); }

}  // namespace pigment::serve

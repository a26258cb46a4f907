// DataLoader: worker threads build whole batches ahead of the trainer; next() hands them out in
// order. Which samples form batch b of epoch e is a pure function of (e, b) — positions b·N, b·N+1,
// … of the epoch's order, skipping bad files — so a resumed run gets exactly the same batches.
//
// Sharding (data parallelism, as PyTorch's DistributedSampler): of W ranks, rank r reads local
// positions j = 0 … ⌈S/W⌉ − 1, which are the epoch order's positions (j·W + r) mod S. The ranks
// interleave, so W ranks × batch N see, step by step, the samples one process with batch W·N would
// (up to the order within a step); the last ⌈S/W⌉·W − S positions wrap to the start, so every rank
// has the same number of batches.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "engine/error.h"
#include "train/data/dataset.h"

namespace pigment::data {

namespace {

// Bad files are judged against the threshold only after this many samples were read, so one bad
// file among the first few does not stop a run.
constexpr std::int64_t kMinSamplesBeforeVerdict = 20;
// How many bad files a threshold error lists.
constexpr std::size_t kListedBadFiles = 5;

struct Failure {
  std::string message;  // "<path>: <reason>"
};

// What a worker made of one batch.
struct BatchResult {
  std::optional<Batch> batch;
  std::vector<Failure> failures;
  std::int64_t samples_read = 0;  // attempts, good and bad
  std::exception_ptr error;       // a problem other than a bad file (thrown again by next())
};

// Stacks [C, H, W] samples into [N, C, H, W].
Tensor stack(const std::vector<Tensor>& items, const std::vector<std::string>& paths) {
  const Tensor& first = items.front();
  for (std::size_t i = 1; i < items.size(); ++i)
    PIGMENT_CHECK(items[i].shape() == first.shape(),
                  "data: a batch needs samples of one size, but {} gives {} and {} gives {}: use --preprocess "
                  "resize_and_crop or crop (fixed size), or --batch_size 1",
                  paths[0], first.shape().str(), paths[i], items[i].shape().str());
  Shape shape({static_cast<std::int64_t>(items.size()), first.dim(0), first.dim(1), first.dim(2)});
  Tensor out = Tensor::empty(shape, DType::f32, Device::cpu());
  float* dst = out.data<float>();
  const auto n = static_cast<std::size_t>(first.numel());
  for (std::size_t i = 0; i < items.size(); ++i) std::memcpy(dst + i * n, items[i].data<float>(), n * sizeof(float));
  return out;
}

}  // namespace

struct DataLoader::State {
  std::shared_ptr<Dataset> dataset;
  std::int64_t batch_size = 1;
  std::int64_t size = 0;          // this rank's positions per epoch
  std::int64_t dataset_size = 0;  // the dataset's
  std::int64_t shard_rank = 0, shard_count = 1;
  double max_bad_fraction = 0.05;
  std::size_t prefetch = 2;  // batches built ahead of the one next() waits for

  std::mutex mutex;
  std::condition_variable work_ready, batch_ready;
  bool stopping = false;
  bool started = false;
  std::uint64_t generation = 0;  // bumped by start_epoch; results of older work are dropped
  std::int64_t epoch = 0;
  std::int64_t next_to_build = 0, next_to_deliver = 0, end = 0;
  std::map<std::int64_t, BatchResult> ready;
  std::vector<std::thread> workers;

  // Consumer-side bookkeeping, in delivery order (so it too is deterministic).
  DataReport report;
  std::set<std::string> bad_seen;
  std::int64_t samples_read = 0, bad_reads = 0;
  std::vector<std::string> recent_bad;

  BatchResult build(std::int64_t epoch_, std::int64_t batch) const;
  void worker_loop();
  void account(const BatchResult& result);
  void stop_workers() noexcept;
};

// Batch b wants positions [b·N, min((b+1)·N, size)); a bad file's place goes to the next position
// after the batch's range (wrapping), and a batch gives up after trying every position once.
BatchResult DataLoader::State::build(std::int64_t epoch_, std::int64_t batch) const {
  BatchResult result;
  try {
    const std::int64_t first = batch * batch_size;
    const std::int64_t wanted = std::min(batch_size, size - first);
    std::vector<Tensor> as, bs;
    Batch out;
    out.epoch = epoch_;
    out.index = batch;
    for (std::int64_t k = 0; static_cast<std::int64_t>(as.size()) < wanted; ++k) {
      if (k >= size) {
        result.error = std::make_exception_ptr(Error(fmt::format(
            "data: every one of the {} samples tried for batch {} of epoch {} failed to load (see the warnings): "
            "check the dataset's files",
            size, batch, epoch_)));
        return result;
      }
      const std::int64_t position = ((first + k) % size * shard_count + shard_rank) % dataset_size;
      std::string error;
      std::optional<Sample> sample = dataset->try_get(epoch_, position, error);
      result.samples_read++;
      if (!sample) {
        result.failures.push_back({error});
        continue;
      }
      as.push_back(sample->A);
      out.paths_A.push_back(sample->path_A);
      out.indices_A.push_back(sample->index_A);
      if (sample->B.defined()) {
        bs.push_back(sample->B);
        out.paths_B.push_back(sample->path_B);
      }
    }
    out.A = stack(as, out.paths_A);
    if (!bs.empty()) out.B = stack(bs, out.paths_B);
    result.batch = std::move(out);
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

void DataLoader::State::worker_loop() {
  std::unique_lock lock(mutex);
  while (true) {
    work_ready.wait(lock, [&] {
      return stopping || (started && next_to_build < end &&
                          next_to_build < next_to_deliver + static_cast<std::int64_t>(prefetch));
    });
    if (stopping) return;
    const std::int64_t batch = next_to_build++;
    const std::int64_t batch_epoch = epoch;
    const std::uint64_t batch_generation = generation;
    lock.unlock();
    BatchResult result = build(batch_epoch, batch);
    lock.lock();
    if (batch_generation == generation) {
      ready.emplace(batch, std::move(result));
      batch_ready.notify_all();
    }
  }
}

void DataLoader::State::account(const BatchResult& result) {
  samples_read += result.samples_read;
  for (const Failure& f : result.failures) {
    bad_reads++;
    recent_bad.push_back(f.message);
    if (recent_bad.size() > kListedBadFiles) recent_bad.erase(recent_bad.begin());
    if (bad_seen.insert(f.message).second) {
      report.bad_files++;
      report.warnings.push_back(f.message);
    }
  }
  if (bad_reads > 0 && samples_read >= kMinSamplesBeforeVerdict &&
      static_cast<double>(bad_reads) > max_bad_fraction * static_cast<double>(samples_read)) {
    std::string listed;
    for (const std::string& m : recent_bad) listed += "\n  " + m;
    PIGMENT_FAIL(
        "data: {} of the {} samples read so far were bad files ({:.1f}%, above --max_bad_fraction {}); the latest:{}\n"
        "Fix or remove these files (PNG, JPEG and BMP decode), or raise --max_bad_fraction.",
        bad_reads, samples_read, 100.0 * static_cast<double>(bad_reads) / static_cast<double>(samples_read),
        max_bad_fraction, listed);
  }
}

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset, const DataOptions& options) : state_(std::make_unique<State>()) {
  PIGMENT_CHECK(dataset != nullptr, "DataLoader: no dataset given");
  PIGMENT_CHECK(options.batch_size > 0, "DataLoader: --batch_size {} must be positive", options.batch_size);
  PIGMENT_CHECK(options.num_threads >= 0 && options.num_threads <= 256,
                "DataLoader: --num_threads {} must lie in [0, 256]", options.num_threads);
  State& s = *state_;
  s.dataset = std::move(dataset);
  s.batch_size = options.batch_size;
  PIGMENT_CHECK(options.shard_count >= 1 && options.shard_rank >= 0 && options.shard_rank < options.shard_count,
                "DataLoader: shard {} of {} does not exist", options.shard_rank, options.shard_count);
  s.dataset_size = s.dataset->size();
  s.shard_rank = options.shard_rank;
  s.shard_count = options.shard_count;
  s.size = (s.dataset_size + s.shard_count - 1) / s.shard_count;
  s.max_bad_fraction = options.max_bad_fraction;
  s.prefetch = static_cast<std::size_t>(std::max(2, 2 * options.num_threads));
  s.report.files_A = s.dataset->report().files_A;
  s.report.files_B = s.dataset->report().files_B;
  try {
    for (int i = 0; i < options.num_threads; ++i) s.workers.emplace_back([&s] { s.worker_loop(); });
  } catch (...) {  // could not start every thread: stop those that did before giving up
    s.stop_workers();
    throw;
  }
}

void DataLoader::State::stop_workers() noexcept {
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  work_ready.notify_all();
  for (std::thread& t : workers)
    if (t.joinable()) t.join();
}

DataLoader::~DataLoader() { state_->stop_workers(); }

std::int64_t DataLoader::batches_per_epoch() const {
  return (state_->size + state_->batch_size - 1) / state_->batch_size;
}

void DataLoader::start_epoch(std::int64_t epoch, std::int64_t first_batch) {
  PIGMENT_CHECK(epoch >= 0, "DataLoader::start_epoch: epoch {} must not be negative", epoch);
  PIGMENT_CHECK(first_batch >= 0 && first_batch <= batches_per_epoch(),
                "DataLoader::start_epoch: batch {} is outside the epoch's {} batches", first_batch,
                batches_per_epoch());
  {
    std::lock_guard lock(state_->mutex);
    State& s = *state_;
    s.generation++;
    s.started = true;
    s.epoch = epoch;
    s.next_to_build = s.next_to_deliver = first_batch;
    s.end = batches_per_epoch();
    s.ready.clear();
  }
  state_->work_ready.notify_all();
}

std::optional<Batch> DataLoader::next() {
  State& s = *state_;
  PIGMENT_CHECK(s.size > 0, "data: the dataset is empty (0 samples): check --dataroot, --phase and the dataset mode");
  BatchResult result;
  {
    std::unique_lock lock(s.mutex);
    PIGMENT_CHECK(s.started, "DataLoader::next: call start_epoch(epoch, first_batch) first");
    if (s.next_to_deliver >= s.end) return std::nullopt;
    const std::int64_t batch = s.next_to_deliver;
    if (s.workers.empty()) {
      const std::int64_t epoch = s.epoch;
      lock.unlock();
      result = s.build(epoch, batch);
      lock.lock();
    } else {
      s.batch_ready.wait(lock, [&] { return s.ready.count(batch) != 0; });
      result = std::move(s.ready.at(batch));
      s.ready.erase(batch);
    }
    s.next_to_deliver = batch + 1;
  }
  s.work_ready.notify_all();
  s.account(result);
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

const DataReport& DataLoader::report() const { return state_->report; }

}  // namespace pigment::data

#include "train/trainer.h"

#include <chrono>
#include <ctime>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <fmt/chrono.h>
#include <nlohmann/json.hpp>

#include "engine/distributed/factory.h"
#include "engine/exit.h"
#include "engine/file_io.h"
#include "train/checkpoint.h"
#include "train/device_choice.h"
#include "train/data/dataset.h"
#include "train/html.h"
#include "train/loss_log.h"
#include "train/memory_report.h"
#include "train/progress.h"
#include "train/resume_options.h"
#include "train/signals.h"
#include "train/tensorboard.h"
#include "train/visuals.h"

namespace pigment::train {

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string options_json(const TrainOptions& o) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, vd] : o.table) j[name] = vd.first;
  return j.dump();
}

// How many multiples of `every` lie in (before, after].
bool crossed(std::int64_t before, std::int64_t after, std::int64_t every) { return before / every != after / every; }

// The first checkpoint file of a trained run in `dir` ("" when there is none).
std::string trained_run_file(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return "";
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".safetensors") && (name.find("_net_") != std::string::npos || name.ends_with("_state.safetensors")))
      return name;
  }
  return "";
}

// The options that may differ between the ranks of one run (each rank its own GPU).
bool may_differ_between_ranks(const std::string& name) { return name == "device" || name == "gpu_ids"; }

// The options every rank must share, as JSON.
std::string shared_options_json(const TrainOptions& o) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, vd] : o.table)
    if (!may_differ_between_ranks(name)) j[name] = vd.first;
  return j.dump();
}

// "--lr 0.0002 on rank 0, 0.001 on this one; …" for two shared_options_json texts.
std::string option_differences(const std::string& ours, const std::string& theirs) {
  const auto a = nlohmann::json::parse(ours, nullptr, false), b = nlohmann::json::parse(theirs, nullptr, false);
  if (!a.is_object() || !b.is_object()) return "the options differ";
  std::string out;
  for (const auto& [name, value] : a.items()) {
    const std::string other = b.contains(name) ? b[name].dump() : "(none)";
    if (other != value.dump())
      out += fmt::format("{}--{} {} on rank 0, {} there", out.empty() ? "" : "; ", name, value.dump(), other);
  }
  return out.empty() ? "the options differ" : out;
}

class Run {
 public:
  explicit Run(const TrainOptions& o)
      : o_(o), launch_(distributed::detect_launch()), device_(select_device(o.device, launch_.local_rank)),
        dir_(o.experiment_dir()), web_(dir_ / "web"), progress_bar_(!o.no_progress && !launch_.distributed()) {}

  bool distributed() const { return comm_ && comm_->world_size() > 1; }
  int rank() const { return comm_ ? comm_->rank() : 0; }
  // After this rank failed (its message printed): ends every rank.
  void abort(int exit_code) {
    if (comm_) comm_->abort(exit_code);
  }

  // Starting without --continue_train where a run was trained would replace its checkpoints and
  // mix two runs in one loss log: refused, unless --overwrite, which moves the old run aside.
  // Checked before anything is built, moved once everything was: a failed start moves nothing.
  void check_trained_run() const {
    if (o_.continue_train || !root_) return;
    const std::string found = trained_run_file(dir_);
    if (!found.empty() && !o_.overwrite)
      PIGMENT_FAIL("experiment '{}' already holds a trained run ({}): resume it with --continue_train, or "
                   "start over with --overwrite (the old run is moved aside, not deleted)",
                   dir_.string(), found);
  }
  void move_trained_run_aside() const {
    if (o_.continue_train || !root_ || trained_run_file(dir_).empty()) return;
    const std::string stamp = fmt::format("{:%Y%m%d-%H%M%S}", fmt::localtime(std::time(nullptr)));
    std::filesystem::path aside = dir_;
    aside += ".old-" + stamp;
    for (int i = 2; std::filesystem::exists(aside); ++i) (aside = dir_) += fmt::format(".old-{}-{}", stamp, i);
    std::filesystem::rename(dir_, aside);
    fmt::print("gan-train: --overwrite: the previous run of '{}' is now in {}\n", o_.name, aside.string());
  }

  // train_images.txt: the training images by index, one name a line — the memory colorizer's slots
  // record the index of the image their colours came from, and gan-test names it.
  void write_training_images() const {
    std::string text;
    for (std::int64_t i = 0; i < dataset_->items_A(); ++i) text += dataset_->item_name(i) + "\n";
    write_file_atomically(dir_ / "train_images.txt", std::as_bytes(std::span(text.data(), text.size())));
  }

  int train() {
    set_kernel_choice(device_, o_.kernels);
    // Data parallelism: one process per device, started by mpirun, torchrun or --gpu_ids; rank 0
    // prints, logs, writes the page and the checkpoints; the others only train.
    comm_ = distributed::make_communicator(launch_, device_, {o_.dist_timeout});
    world_ = comm_->world_size();
    root_ = comm_->rank() == 0;
    if (!root_) std::fflush(stdout), (void)std::freopen("/dev/null", "w", stdout);  // errors still reach stderr
    const std::string options_text = format_options(o_);
    std::fputs(options_text.c_str(), stdout);
    if (const std::string note = ignored_options_note(o_, "gan-train"); !note.empty()) fmt::print("{}\n", note);
    distributed::check_same_on_every_rank(*comm_, shared_options_json(o_), "options", option_differences);
    check_trained_run();
    // What a killed save left behind is garbage whatever this start does.
    if (root_)
      if (const int removed = remove_stale_temporaries(dir_))
        fmt::print("gan-train: removed {} unfinished temporary file(s) of a save that was killed\n", removed);
    // Everything that can fail on the user's input is built before anything is written: a failed
    // start leaves no new folder and changes no file.
    dataset_ = std::shared_ptr<data::Dataset>(data::make_dataset(o_.data));
    data::DataOptions data_options = o_.data;
    data_options.shard_rank = comm_->rank();
    data_options.shard_count = world_;
    loader_ = std::make_unique<data::DataLoader>(dataset_, data_options);
    nets::ModelOptions model_options = o_.model;
    if (model_options.kind == nets::ModelKind::memory_colorization && model_options.memory.memory_size == 0)
      model_options.memory.memory_size = std::max<std::int64_t>(1, dataset_->items_A() * 6 / 5);  // MemoPainter: 1.2×
    model_ = nets::Model::create(model_options, device_);
    model_->use_communicator(*comm_);
    scheduler_ = std::make_unique<LrScheduler>(o_.lr_policy, o_.model.adam.lr, o_.epoch_count, o_.n_epochs,
                                               o_.n_epochs_decay, o_.lr_decay_iters);
    const std::int64_t last_epoch = o_.n_epochs + o_.n_epochs_decay;
    fmt::print("gan-train: {} on {}; {} samples per epoch ({}{} batches of {}); {}\n",
               nets::kModelNames.name(o_.model.kind), device_.str(), dataset_->size(),
               world_ > 1 ? fmt::format("{} processes × ", world_) : "", loader_->batches_per_epoch(),
               o_.data.batch_size,
               o_.synthetic() ? "built-in synthetic scenes" : "data from " + o_.data.dataroot.string());
    if (world_ > 1)
      fmt::print("gan-train: data parallel over {} processes ({}, {}): each reads 1/{} of every epoch in batches of "
                 "{}, {} images a step in all; gradients averaged by all-reduce{}\n",
                 world_, distributed::kLauncherNames.name(launch_.launcher), comm_->backend(), world_,
                 o_.data.batch_size, world_ * o_.data.batch_size,
                 o_.model.sync_bn ? ", batch norm over every process's batch" : "");
    for (const auto& [name, net] : model_->networks())
      fmt::print("  net {:<4} {:<16} {:>12} parameters\n", name, net->arch(), net->num_parameters());
    if (o_.verbose) {
      const auto& r = dataset_->report();
      fmt::print("  data: {} files in domain A, {} in domain B, {} unreadable so far\n", r.files_A, r.files_B,
                 r.bad_files);
      for (const auto& w : r.warnings) fmt::print("  data: {}\n", w);
    }

    if (o_.continue_train) {
      if (root_) check_resume_options();
      const LoadedCheckpoint loaded = resume();
      progress_ = loaded.progress;
      if (!loaded.exact) {
        // The batch cursor counted batches of another world size: continue at the same share of
        // the epoch.
        progress_.next_batch = std::min(loader_->batches_per_epoch(),
                                        progress_.epoch_iter / (std::int64_t{o_.data.batch_size} * world_));
        fmt::print("gan-train: warning: the checkpoint was trained by {} process(es), this run has {}: the weights, "
                   "optimizer and schedule continue, but the data order, the random streams and the image pools of "
                   "the ranks do not, so the resume is not exact\n",
                   loaded.saved_world_size, world_);
      }
      model_->set_learning_rate(scheduler_->lr());
      fmt::print("gan-train: resumed '{}' at epoch {}, batch {} ({} images trained), learning rate {:.7f}\n", o_.epoch,
                 progress_.epoch, progress_.next_batch, progress_.total_iters, scheduler_->lr());
      if (progress_.epoch > last_epoch) {
        fmt::print("gan-train: this run already finished its {} epochs\n", last_epoch);
        return 0;
      }
    } else {
      progress_.epoch = o_.epoch_count;
    }
    move_trained_run_aside();
    if (root_) {
      std::filesystem::create_directories(web_ / "images");
      write_file_atomically(dir_ / "train_opt.txt",
                            std::as_bytes(std::span(options_text.data(), options_text.size())));
      if (o_.model.kind == nets::ModelKind::memory_colorization) write_training_images();
      log_ = std::make_unique<LossLog>(dir_ / "loss_log.txt");
    }
    if (o_.tensorboard && root_) {
      // A new event file per run; its START event at the first step after the checkpoint makes
      // TensorBoard drop what an earlier file logged past it (a run killed after its last save).
      tensorboard_ = std::make_unique<TensorBoardWriter>(dir_);
      tensorboard_->start_session(progress_.total_iters + 1);
    }
    InterruptHandler interrupt(root_);
    const auto run_start = Clock::now();
    const std::int64_t images_at_start = progress_.total_iters;
    const std::int64_t images_per_epoch = loader_->batches_per_epoch() * o_.data.batch_size * world_;
    const std::int64_t images_total = images_per_epoch * (last_epoch - o_.epoch_count + 1);

    bool stopping = false;  // interrupted at an epoch's last batch: stop after its end
    for (std::int64_t epoch = progress_.epoch; epoch <= last_epoch; ++epoch) {
      const auto epoch_start = Clock::now();  // "Time Taken" is the epoch's, as the reference prints it
      if (progress_.next_batch == 0) start_epoch();
      loader_->start_epoch(epoch, progress_.next_batch);
      auto data_start = Clock::now();
      while (auto batch = loader_->next()) {
        const double t_data = seconds_since(data_start);
        report_new_warnings();
        const auto step_start = Clock::now();
        if (++steps_in_run_ == o_.poison_at_step) {  // the divergence tests' faults
          if (o_.poison_adam)
            model_->optimizers().front().second->exp_avg_sq().fill_(std::numeric_limits<double>::infinity());
          else
            model_->networks().front().second->parameters().entries().front().second.fill_(std::nan(""));
        }
        model_->set_input(batch->A, batch->B);
        model_->set_input_sources(batch->indices_A);
        model_->optimize_parameters();
        comm_->check_progress();
        // Every rank trains a batch of the same size (the shards are equal): the step's images are W × n.
        const std::int64_t n = batch->A.dim(0) * world_, before = progress_.total_iters;
        progress_.next_batch = batch->index + 1;
        progress_.epoch_iter += n;
        progress_.total_iters += n;
        const double t_comp = seconds_since(step_start) / static_cast<double>(n);
        // Every step's losses are watched on the device; the watch is read where the device is
        // waited for anyway (printing, saving), on every device alike, so the CPU tests run the
        // GPU's path: the step named is the first bad one, however far back in the window.
        watched_.push_back({epoch, batch->index, progress_.total_iters});
        model_->mark_nonfinite_losses(static_cast<std::int64_t>(watched_.size()));
        const bool print = crossed(before, progress_.total_iters, o_.print_freq);
        if ((print || watched_.size() >= kMaxWatched) && !losses_finite()) return diverged();

        if (print) {
          const Losses losses = mean_losses();
          double g = 0;
          for (const auto& [name, v] : losses)
            if (!name.starts_with("D")) g += v;
          progress_.epoch_loss_sum += g;
          ++progress_.epoch_loss_count;
          const std::string line = format_loss_line(epoch, progress_.epoch_iter, t_comp, t_data, losses);
          progress_bar_.clear();
          fmt::print("{}\n", line);
          if (log_) log_->append(line);
          log_to_tensorboard(losses);
          last_losses_ = losses;
        }
        if (crossed(before, progress_.total_iters, o_.display_freq) && root_) save_visuals(epoch);
        if (crossed(before, progress_.total_iters, o_.save_latest_freq)) {
          const std::string tag = o_.save_by_iter ? fmt::format("iter_{}", progress_.total_iters) : "latest";
          if (!save(tag)) return diverged();
        }
        const double elapsed = seconds_since(run_start);
        const double rate = static_cast<double>(progress_.total_iters - images_at_start) / std::max(elapsed, 1e-9);
        const std::int64_t done_in_run = (epoch - o_.epoch_count) * images_per_epoch + progress_.epoch_iter;
        progress_bar_.update(epoch, last_epoch, progress_.epoch_iter, images_per_epoch, rate,
                             static_cast<double>(images_total - done_in_run) / std::max(rate, 1e-9), last_losses_);
        // Ranks agree on stopping (a signal may reach one rank, or reach them a step apart).
        const bool interrupted = world_ > 1 ? distributed::any_rank(*comm_, interrupt.requested(), "the stop check")
                                            : interrupt.requested();
        if (interrupted || (o_.stop_after > 0 && progress_.total_iters >= o_.stop_after)) {
          // At an epoch's last batch the epoch's end saves (once), so that the resumed run does
          // not save and log that step again.
          if (progress_.next_batch == loader_->batches_per_epoch()) {
            stopping = true;
            break;
          }
          progress_bar_.clear();
          if (!save("latest")) return diverged();
          fmt::print("gan-train: saved 'latest' at epoch {}, batch {}; resume with --continue_train\n", epoch,
                     progress_.next_batch);
          return exit_code(ExitCode::interrupted);
        }
        data_start = Clock::now();
      }
      // End of the epoch: the next starts at its first batch.
      progress_bar_.clear();
      progress_.epoch = epoch + 1;
      progress_.next_batch = 0;
      progress_.epoch_iter = 0;
      const bool periodic = epoch % o_.save_epoch_freq == 0;
      if (periodic || epoch == last_epoch) {
        if (!save("latest")) return diverged();
        if (periodic && !save(std::to_string(epoch))) return diverged();
        fmt::print("saving the model at the end of epoch {}, iters {}\n", epoch, progress_.total_iters);
      }
      if (root_) save_visuals(epoch);
      fmt::print("End of epoch {} / {} \t Time Taken: {:.0f} sec\n", epoch, last_epoch, seconds_since(epoch_start));
      if (stopping && epoch < last_epoch) {
        if (!periodic && !save("latest")) return diverged();
        fmt::print("gan-train: saved 'latest' at the end of epoch {}; resume with --continue_train\n", epoch);
        return exit_code(ExitCode::interrupted);
      }
    }
    fmt::print("gan-train: {}\n", format_memory_report(memory_report(device_), device_));
    fmt::print("gan-train: done. Checkpoints and the web page are in {}\n", dir_.string());
    return 0;
  }

 private:
  // Loads the checkpoint to continue from. With several ranks, rank 0 reads the state file and
  // broadcasts its bytes, so the other ranks need no shared filesystem.
  LoadedCheckpoint resume() {
    if (world_ == 1) return load_checkpoint(dir_, o_.epoch, *model_, *scheduler_);
    std::vector<std::byte> bytes;
    if (root_) bytes = read_file(existing_state_file(dir_, o_.epoch));
    bytes = comm_->broadcast_bytes(bytes, 0, "the broadcast of the checkpoint to resume from");
    return load_checkpoint(dir_, o_.epoch, *model_, *scheduler_, {comm_->rank(), world_}, &bytes);
  }

  // The last step's losses, averaged over the ranks (each rank's are of its own batch).
  Losses mean_losses() {
    Losses losses = model_->current_losses();
    if (world_ == 1) return losses;
    std::vector<double> values;
    for (const auto& [name, v] : losses) values.push_back(v);
    values = distributed::sum_over_ranks(*comm_, values, "the losses' mean over the ranks");
    for (std::size_t i = 0; i < losses.size(); ++i) losses[i].second = values[i] / world_;
    return losses;
  }

  // Bad files the loader skipped since the last report, one line each.
  void report_new_warnings() {
    const auto& warnings = loader_->report().warnings;
    if (warnings.size() == warned_) return;
    progress_bar_.clear();
    for (; warned_ < warnings.size(); ++warned_) fmt::print(stderr, "gan-train: skipped {}\n", warnings[warned_]);
  }

  void start_epoch() {
    const double metric = progress_.epoch_loss_count > 0
                              ? progress_.epoch_loss_sum / static_cast<double>(progress_.epoch_loss_count)
                              : std::nan("");
    const double old_lr = model_->learning_rate();
    const double lr = scheduler_->step(metric);
    model_->set_learning_rate(lr);
    progress_.epoch_loss_sum = 0;
    progress_.epoch_loss_count = 0;
    fmt::print("learning rate {:.7f} -> {:.7f}\n", old_lr, lr);
  }

  // Where each step of the current watch was (the watch's step k is watched_[k − 1]).
  struct StepPlace {
    std::int64_t epoch, batch, images;
  };
  static constexpr std::size_t kMaxWatched = std::size_t{1} << 17;  // marks stay exact in float32

  // --continue_train with other options than the run's: refused where the resume would not be
  // exact (unless --force), else warned about (train/resume_options.h).
  void check_resume_options() const {
    const std::filesystem::path state = dir_ / (o_.epoch + "_state.safetensors");
    if (!std::filesystem::exists(state)) return;  // load_checkpoint says what is missing
    const Metadata meta = read_safetensors_metadata(state);
    const auto it = meta.find("options");
    if (it == meta.end()) return;
    const nlohmann::json options = nlohmann::json::parse(it->second, nullptr, false);
    if (!options.is_object()) return;
    std::map<std::string, std::string> recorded;
    for (const auto& [name, value] : options.items())
      if (value.is_string()) recorded[name] = value.get<std::string>();
    const ResumeCheck check = train::check_resume_options(recorded, o_.table, o_.force);
    if (!check.warning.empty()) fmt::print("{}\n", check.warning);
  }

  // Reads the device's watch of non-finite losses since the last read; false (with the step and
  // the loss in divergence_) if one was seen.
  bool losses_finite() {
    const auto bad = model_->take_nonfinite_mark();
    const std::vector<StepPlace> places = std::exchange(watched_, {});
    const bool any_bad =
        world_ > 1 ? distributed::any_rank(*comm_, bad.has_value(), "the check for non-finite losses") : bad.has_value();
    if (!any_bad) return true;
    if (!bad) {
      divergence_ = "a loss is not finite on another rank (its gradients reach every rank's weights)";
      return false;
    }
    const StepPlace& at = places.at(static_cast<std::size_t>(bad->step - 1));
    divergence_ = fmt::format("loss {} is not finite (inf or NaN) at epoch {}, iteration {} ({} images)", bad->loss,
                              at.epoch, at.batch + 1, at.images);
    return false;
  }

  // Saves a checkpoint unless a loss since the last check, a weight or an optimizer moment is not
  // finite: then nothing is written and the last good checkpoint is kept.
  // Several ranks: every rank's own state (Model::save_rank_state) is gathered, and rank 0 writes.
  bool save(const std::string& tag) {
    if (!losses_finite()) return false;
    std::vector<std::vector<std::byte>> other_ranks;
    if (world_ > 1) {
      TensorList tensors;
      Metadata metadata;
      model_->save_rank_state(tensors, metadata);
      for (auto& [key, t] : tensors)
        if (!t.is_cpu()) t = t.to(Device::cpu());
      auto all = comm_->all_gather_bytes(serialize_safetensors(tensors, metadata),
                                         "the gathering of every rank's state for checkpoint '" + tag + "'");
      if (root_) other_ranks.assign(std::make_move_iterator(all.begin() + 1), std::make_move_iterator(all.end()));
    }
    std::string failure;
    if (root_) {
      try {
        save_checkpoint(dir_, tag, *model_, *scheduler_, progress_, options_json(o_), other_ranks);
      } catch (const NonFiniteState& e) {  // finite losses, but a weight or an Adam moment is not
        failure = e.what();
      }
    }
    if (world_ > 1 && distributed::any_rank(*comm_, !failure.empty(), "the outcome of saving '" + tag + "'") &&
        failure.empty())
      failure = "rank 0 found a weight or an optimizer moment that is not finite";
    if (!failure.empty()) {
      divergence_ = failure;
      return false;
    }
    last_saved_ = tag + fmt::format(" (at {} images)", progress_.total_iters);
    return true;
  }

  int diverged() {
    progress_bar_.clear();
    fmt::print(stderr,
               "gan-train: training diverged: {}. Stopped without saving; the last good checkpoint is {}. Try a lower "
               "--lr, another --gan_mode or --norm.\n",
               divergence_,
               last_saved_.empty() ? "none (no checkpoint was saved in this run)" : "'" + last_saved_ + "'");
    return exit_code(ExitCode::diverged);
  }

  // Every loss (loss/<name>) and the learning rate at the step (images trained so far).
  void log_to_tensorboard(const Losses& losses) {
    if (!tensorboard_) return;
    Losses scalars;
    for (const auto& [name, value] : losses) scalars.emplace_back("loss/" + name, value);
    scalars.emplace_back("learning_rate", model_->learning_rate());
    tensorboard_->add_scalars(scalars, progress_.total_iters);
    tensorboard_->flush();
  }

  void save_visuals(std::int64_t epoch) {
    for (const auto& [label, image] : visuals_to_images(model_->current_visuals())) {
      data::save_png(web_ / "images" / fmt::format("epoch{:03d}_{}.png", epoch, label), image);
      if (tensorboard_ && tensorboard_visuals_step_ != progress_.total_iters) {  // an epoch's end may repeat a step
        std::vector<std::uint8_t> bytes(image.pixels.size());
        for (std::size_t i = 0; i < bytes.size(); ++i)  // [0, 1] → 8 bits, as the PNG on the page
          bytes[i] = static_cast<std::uint8_t>(std::lround(std::clamp(image.pixels[i], 0.0f, 1.0f) * 255.0f));
        tensorboard_->add_image("visuals/" + label, image.height, image.width, image.channels, bytes,
                                progress_.total_iters);
      }
    }
    if (tensorboard_) {
      tensorboard_visuals_step_ = progress_.total_iters;
      tensorboard_->flush();
    }
    displayed_.insert(epoch);
    write_page(epoch);
  }

  void write_page(std::int64_t current_epoch) {
    std::vector<HtmlSection> sections;
    const auto visuals = model_->current_visuals();
    for (std::int64_t e = current_epoch; e >= 1; --e) {
      HtmlSection s{fmt::format("epoch [{}]", e), {}, ""};
      for (const auto& v : visuals) {
        const std::string file = fmt::format("images/epoch{:03d}_{}.png", e, v.name);
        if (std::filesystem::exists(web_ / file)) s.images.push_back({v.name, file});
      }
      if (!s.images.empty()) sections.push_back(std::move(s));
    }
    const auto history =
        read_loss_history(log_->path(), loader_->batches_per_epoch() * o_.data.batch_size * world_);
    write_html_page(web_ / "index.html", "Experiment name = " + o_.name, loss_plot_svg(history), sections,
                    o_.display_winsize, 60);
  }

  TrainOptions o_;
  distributed::LaunchInfo launch_;
  Device device_;
  std::unique_ptr<distributed::Communicator> comm_;  // declared before what holds a pointer to it
  int world_ = 1;
  bool root_ = true;
  std::filesystem::path dir_, web_;
  ProgressBar progress_bar_;
  std::shared_ptr<data::Dataset> dataset_;
  std::unique_ptr<data::DataLoader> loader_;
  std::unique_ptr<nets::Model> model_;
  std::unique_ptr<LrScheduler> scheduler_;
  std::unique_ptr<LossLog> log_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
  std::int64_t tensorboard_visuals_step_ = -1;  // the step whose visuals were written last
  Progress progress_;
  Losses last_losses_;
  std::vector<StepPlace> watched_;
  std::int64_t steps_in_run_ = 0;
  std::string divergence_;  // what diverged, for the message
  std::string last_saved_;
  std::set<std::int64_t> displayed_;
  std::size_t warned_ = 0;
};
}  // namespace

int run_training(const TrainOptions& options) {
  Run run(options);
  try {
    return run.train();
  } catch (const std::exception& e) {
    if (!run.distributed()) throw;  // gan-train's main reports it
    // One rank failed: it says so (and which rank it is), then ends every rank rather than leave
    // them waiting in the next collective.
    const int code = report_failure(fmt::format("gan-train (rank {})", run.rank()), e);
    run.abort(code);
    return code;
  }
}

}  // namespace pigment::train

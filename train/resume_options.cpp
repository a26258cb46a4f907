#include "train/resume_options.h"

#include <string_view>

#include <fmt/format.h>

#include "engine/error.h"

namespace pigment::train {

namespace {

constexpr std::string_view kExact[] = {
    "model",        "netG",        "netD",         "ngf",          "ndf",           "n_layers_D",
    "norm",         "no_dropout",  "input_nc",     "output_nc",    "attention_at",  "dataroot",
    "phase",        "dataset_mode", "direction",   "batch_size",   "load_size",     "crop_size",
    "preprocess",   "no_flip",     "serial_batches", "max_dataset_size", "synthetic_train", "seed",
    "gan_mode",     "pool_size",   "lambda_L1",    "lambda_A",     "lambda_B",      "lambda_identity",
    "lambda_gp",    "beta1",       "sync_bn"};
constexpr std::string_view kSchedule[] = {"lr", "lr_policy", "lr_decay_iters", "n_epochs", "n_epochs_decay",
                                          "epoch_count"};
constexpr std::string_view kNumerics[] = {"device", "gpu_ids", "conv_impl", "matmul_impl", "attention_impl"};

// "--batch_size 4 (the run: 1), --lr 0.001 (the run: 0.0002)" for the options of `names` that differ.
template <std::size_t N>
std::string changes(const std::string_view (&names)[N], const std::map<std::string, std::string>& recorded,
                    const std::map<std::string, std::pair<std::string, std::string>>& current) {
  std::string out;
  for (std::string_view name : names) {
    const auto r = recorded.find(std::string(name));
    const auto c = current.find(std::string(name));
    if (r == recorded.end() || c == current.end() || r->second == c->second.first) continue;
    out += fmt::format("{}--{} {} (the run: {})", out.empty() ? "" : ", ", name,
                       c->second.first.empty() ? "''" : c->second.first, r->second.empty() ? "''" : r->second);
  }
  return out;
}

}  // namespace

ResumeCheck check_resume_options(const std::map<std::string, std::string>& recorded,
                                 const std::map<std::string, std::pair<std::string, std::string>>& current,
                                 bool force) {
  ResumeCheck check;
  const std::string exact = changes(kExact, recorded, current);
  PIGMENT_CHECK(exact.empty() || force,
                "--continue_train with options that change what is trained: {}; the resumed run would not continue "
                "the interrupted one: give the run's values (its train_opt.txt), or --force to continue anyway",
                exact);
  auto line = [&check](const std::string& text) { check.warning += (check.warning.empty() ? "" : "\n") + text; };
  if (!exact.empty())
    line(fmt::format("gan-train: warning: --force: continuing with {}; the resume is not exact", exact));
  if (const std::string schedule = changes(kSchedule, recorded, current); !schedule.empty())
    line(fmt::format("gan-train: warning: the schedule changes from here on: {}", schedule));
  if (const std::string numerics = changes(kNumerics, recorded, current); !numerics.empty())
    line(fmt::format("gan-train: warning: {}: the resumed steps are not bit-identical to the run's", numerics));
  return check;
}

}  // namespace pigment::train

// gan-test: colorizes (or translates) images with a trained generator, at each image's own size,
// and writes results/<name>/<phase>_<epoch>/index.html with input, output and ground truth, plus
// PSNR, SSIM and colorfulness per image and on average. The architecture options default to the
// experiment's train_opt.txt, so `gan-test --name X` is enough for a run trained with gan-train.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/file_io.h"
#include "kernels/ops.h"
#include "nets/generators.h"
#include "tools/inference.h"
#include "tools/metrics.h"
#include "train/checkpoint.h"
#include "train/device_choice.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"
#include "train/data/synthetic.h"
#include "train/html.h"
#include "train/options.h"
#include "train/visuals.h"

using namespace pigment;
namespace fs = std::filesystem;

namespace {

struct TestOptions {
  std::string dataroot, name = "synthetic_colorizer", checkpoints_dir = "./checkpoints", results_dir = "./results";
  std::string epoch = "latest", phase = "test", device = "auto";
  int num_test = 50;
  bool dropout_at_test = false;
  std::int64_t synthetic_test = 32;
  std::uint64_t seed = 0;
  // What the model was trained with: its train_opt.txt (or gan-train's defaults when there is
  // none), with the options given here on top.
  train::TrainOptions trained;
};

struct Item {
  std::string name;        // file stem
  data::Image input;       // what the generator sees (full size)
  data::Image truth;       // ground truth, empty if none
};

bool is_gray(const data::Image& im) {
  if (im.channels == 1) return true;
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x)
      if (std::fabs(im.at(y, x, 0) - im.at(y, x, 1)) > 1e-3f || std::fabs(im.at(y, x, 1) - im.at(y, x, 2)) > 1e-3f)
        return false;
  return true;
}

std::vector<Item> gather(const TestOptions& o, data::DatasetMode mode) {
  std::vector<Item> items;
  if (o.dataroot.empty()) {  // held-out synthetic scenes (indices disjoint from training)
    for (std::int64_t i = 0; i < std::min<std::int64_t>(o.synthetic_test, o.num_test); ++i) {
      const int side = 2 * o.trained.data.crop_size;
      data::Image scene = data::synthetic_scene(0, (std::int64_t{1} << 40) + i, side, side);
      items.push_back({fmt::format("scene_{:03d}", i), scene, scene});
    }
    return items;
  }
  std::vector<fs::path> files;
  const fs::path root(o.dataroot);
  PIGMENT_CHECK(fs::exists(root), "gan-test: --dataroot '{}' does not exist", o.dataroot);
  if (fs::is_regular_file(root)) {
    files.push_back(root);
  } else {
    const fs::path dir = fs::is_directory(root / o.phase) ? root / o.phase : root;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      std::string ext = e.path().extension().string();
      for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (e.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
  }
  PIGMENT_CHECK(!files.empty(), "gan-test: no PNG, JPEG or BMP images under '{}'", o.dataroot);
  int skipped = 0;
  for (const fs::path& f : files) {
    if (static_cast<int>(items.size()) >= o.num_test) break;
    std::string error;
    auto image = data::load_image(f, error);
    if (!image) {
      fmt::print(stderr, "gan-test: skipping {}\n", error);
      ++skipped;
      continue;
    }
    Item it{f.stem().string(), *image, {}};
    if (mode == data::DatasetMode::aligned) {  // A|B side by side
      const int half = image->width / 2;
      data::Image A = data::crop(*image, 0, 0, half, image->height), B = data::crop(*image, half, 0, half, image->height);
      if (!o.trained.data.a_to_b) std::swap(A, B);
      it.input = A;
      it.truth = B;
    } else if (mode == data::DatasetMode::colorization) {
      it.input = data::to_rgb(*image);
      if (!is_gray(*image)) it.truth = it.input;  // a colour photo is its own ground truth
    }
    items.push_back(std::move(it));
  }
  if (skipped) fmt::print(stderr, "gan-test: {} unreadable file(s) skipped\n", skipped);
  PIGMENT_CHECK(!items.empty(), "gan-test: none of the images under '{}' could be read", o.dataroot);
  return items;
}

int run(const TestOptions& o) {
  const nets::ModelKind model = o.trained.model.kind;
  const bool colorization = model == nets::ModelKind::colorization;
  // Unaligned data is read one domain at a time here.
  const data::DatasetMode mode =
      o.trained.data.mode == data::DatasetMode::unaligned ? data::DatasetMode::single : o.trained.data.mode;
  const Device device = train::select_device(o.device);
  Rng rng(o.seed);
  nets::GeneratorOptions g = o.trained.model.generator;
  const bool a_to_b = o.trained.data.a_to_b;
  if (model == nets::ModelKind::cycle_gan && !a_to_b) std::swap(g.input_nc, g.output_nc);
  auto G = nets::make_generator(g, device, &rng);
  const std::string net_name = model == nets::ModelKind::cycle_gan ? (a_to_b ? "G_A" : "G_B") : "G";
  const fs::path ckpt = fs::path(o.checkpoints_dir) / o.name;
  train::load_network(ckpt, o.epoch, net_name, *G);
  // Evaluation mode by default (dropout off, batch norm on running statistics); the reference
  // keeps dropout on at test time, which --dropout_at_test restores.
  G->set_training(o.dropout_at_test);
  const int multiple = g.arch.input_multiple();
  const int crop_size = o.trained.data.crop_size;

  const std::vector<Item> items = gather(o, mode);
  const fs::path out_dir = fs::path(o.results_dir) / o.name / fmt::format("{}_{}", o.phase, o.epoch);
  fs::create_directories(out_dir / "images");
  std::vector<train::HtmlSection> sections;
  double sum_psnr = 0, sum_ssim = 0, sum_color = 0, sum_color_truth = 0, sum_gray_psnr = 0;
  int with_truth = 0;
  nlohmann::json report = nlohmann::json::array();
  fmt::print("gan-test: {} images with {} from {} on {}\n", items.size(), net_name, (ckpt / (o.epoch + "_net_" + net_name)).string(), device.str());
  for (const Item& it : items) {
    data::Image output = colorization ? inference::colorize(*G, it.input, crop_size)
                                                   : inference::translate(*G, it.input, multiple);
    data::Image shown_input = colorization ? data::to_rgb(data::to_gray(it.input)) : it.input;
    train::HtmlSection s{it.name, {}, ""};
    auto save = [&](const std::string& label, const data::Image& im) {
      const std::string file = fmt::format("images/{}_{}.png", it.name, label);
      data::save_png(out_dir / file, im);
      s.images.push_back({label, file});
    };
    save(colorization ? "input_gray" : "real_A", shown_input);
    save(colorization ? "colorized" : "fake_B", output);
    nlohmann::json entry = {{"image", it.name}, {"colorfulness", metrics::colorfulness(output)}};
    sum_color += metrics::colorfulness(output);
    if (!it.truth.empty() && it.truth.width == output.width && it.truth.height == output.height &&
        it.truth.channels == output.channels) {
      save(colorization ? "ground_truth" : "real_B", it.truth);
      const double p = metrics::psnr(output, it.truth), q = metrics::ssim(output, it.truth);
      const double ct = metrics::colorfulness(it.truth);
      if (colorization) {  // the gray (a = b = 0) baseline a colorizer must beat
        const double gray = metrics::psnr(inference::gray_baseline(it.truth), it.truth);
        sum_gray_psnr += gray;
        entry["psnr_gray_baseline"] = gray;
      }
      sum_psnr += p;
      sum_ssim += q;
      sum_color_truth += ct;
      ++with_truth;
      entry["psnr"] = p;
      entry["ssim"] = q;
      entry["colorfulness_truth"] = ct;
      s.note = fmt::format("PSNR {:.2f} dB · SSIM {:.4f} · colorfulness {:.1f} (ground truth {:.1f})", p, q,
                           metrics::colorfulness(output), ct);
    } else {
      s.note = fmt::format("colorfulness {:.1f}", metrics::colorfulness(output));
    }
    fmt::print("  {:<24} {}\n", it.name, s.note);
    report.push_back(entry);
    sections.push_back(std::move(s));
  }
  const double n = static_cast<double>(items.size());
  std::string summary = fmt::format("{} images; mean colorfulness {:.1f}", items.size(), sum_color / n);
  if (with_truth) {
    summary = fmt::format("{} images; mean PSNR {:.2f} dB, SSIM {:.4f}, colorfulness {:.1f} (ground truth {:.1f})",
                          items.size(), sum_psnr / with_truth, sum_ssim / with_truth, sum_color / n,
                          sum_color_truth / with_truth);
    if (colorization)
      summary += fmt::format("; the gray (ab = 0) baseline scores {:.2f} dB", sum_gray_psnr / with_truth);
  }
  fmt::print("gan-test: {}\n", summary);
  train::write_html_page(out_dir / "index.html", fmt::format("Experiment = {}, Phase = {}, Epoch = {}", o.name, o.phase, o.epoch),
                         "<p>" + train::html_escape(summary) + "</p>", sections, 256);
  const std::string json = nlohmann::json{{"summary", summary}, {"images", report}}.dump(1);
  write_file_atomically(out_dir / "metrics.json", std::as_bytes(std::span(json.data(), json.size())));
  fmt::print("gan-test: results in {}\n", (out_dir / "index.html").string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Line-buffered even into a file or a pipe (> log, nohup, | tee): progress shows as it happens,
  // whole lines, and nothing printed is lost when the process is killed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"gan-test: colorize or translate images with a trained generator; writes an HTML page with metrics",
               "gan-test"};
  // As argparse: an option given twice takes its last value (scripts append overrides).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  TestOptions o;
  // Overrides of what train_opt.txt says, each parsed into its type here.
  std::string model, netG, norm, dataset_mode, direction;
  int ngf = 0, input_nc = 0, output_nc = 0, crop_size = 0;
  bool no_dropout = false;
  std::vector<int> attention_at;
  app.add_option("--dataroot", o.dataroot, "an image or a folder (its <phase>/ subfolder if present); empty: "
                                           "held-out built-in synthetic scenes");
  app.add_option("--name", o.name, "experiment name")->capture_default_str();
  app.add_option("--checkpoints_dir", o.checkpoints_dir, "where the experiment's checkpoints are")->capture_default_str();
  app.add_option("--results_dir", o.results_dir, "where results go")->capture_default_str();
  app.add_option("--epoch", o.epoch, "which checkpoint: latest, an epoch number or iter_<N>")->capture_default_str();
  app.add_option("--phase", o.phase, "phase name used in the results folder")->capture_default_str();
  app.add_option("--num_test", o.num_test, "at most this many images")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--model", model, "colorization, pix2pix, cycle_gan or test (default: from train_opt.txt)");
  app.add_option("--netG", netG, "generator architecture (default: from train_opt.txt)");
  app.add_option("--ngf", ngf, "generator filters (default: from train_opt.txt)")->check(CLI::Range(1, 4096));
  app.add_option("--norm", norm, "instance, batch or none (default: from train_opt.txt)");
  app.add_option("--input_nc", input_nc, "input channels (default: from train_opt.txt)")->check(CLI::Range(1, 64));
  app.add_option("--output_nc", output_nc, "output channels (default: from train_opt.txt)")->check(CLI::Range(1, 64));
  app.add_option("--crop_size", crop_size, "the resolution the model was trained at (default: from train_opt.txt)")
      ->check(CLI::Range(1, 16384));
  app.add_option("--dataset_mode", dataset_mode, "colorization, aligned, single or unaligned (default: from train_opt.txt)");
  app.add_option("--direction", direction, "AtoB or BtoA (default: from train_opt.txt)");
  app.add_option("--attention_at", attention_at, "sa_unet attention divisors (default: from train_opt.txt)")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--no_dropout", no_dropout, "the generator has no dropout layers");
  app.add_flag("--dropout_at_test", o.dropout_at_test, "keep dropout and batch statistics on, as the reference does");
  app.add_option("--device", o.device, "cpu, cuda, cuda:N, simt (the CUDA kernels on the CPU: SIMT builds) or auto")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the synthetic test scenes")->capture_default_str();
  app.add_option("--synthetic_test", o.synthetic_test, "synthetic test scenes when no --dataroot")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    const fs::path opt_file = fs::path(o.checkpoints_dir) / o.name / "train_opt.txt";
    const std::optional<nets::ModelKind> kind =
        model.empty() ? std::nullopt : std::optional(nets::kModelNames.parse(model, "model"));
    o.trained = fs::exists(opt_file) ? train::read_train_options(opt_file) : train::default_train_options(kind);
    nets::ModelOptions& m = o.trained.model;
    data::DataOptions& d = o.trained.data;
    if (kind) m.kind = *kind;
    if (!netG.empty()) m.generator.arch = nets::GeneratorArch::parse(netG);
    if (!norm.empty()) m.generator.norm = nets::kNormNames.parse(norm, "norm");
    if (ngf) m.generator.ngf = ngf;
    if (input_nc) m.generator.input_nc = input_nc;
    if (output_nc) m.generator.output_nc = output_nc;
    if (crop_size) d.crop_size = crop_size;
    if (!dataset_mode.empty()) d.mode = data::kDatasetModeNames.parse(dataset_mode, "dataset mode");
    if (!direction.empty()) d.a_to_b = train::kDirectionNames.parse(direction, "direction");
    if (!attention_at.empty()) m.generator.attention_divisors = attention_at;
    if (no_dropout) m.generator.dropout = false;
    return run(o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "gan-test: {}\n", e.what());
    return 1;
  }
}

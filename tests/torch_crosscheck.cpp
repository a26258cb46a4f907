// Exports Pigment networks with random weights (as safetensors, with the reference's keys), an
// input and Pigment's output, then runs tests/python/check_against_torch.py, which loads them into
// PyTorch models of the reference architecture and compares. Exit 77 (skipped) without PyTorch.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/file_io.h"
#include "nets/discriminators.h"
#include "nets/generators.h"

using namespace pigment;
using namespace pigment::nets;

namespace {
struct Case {
  std::string name;
  nlohmann::json spec;
  Shape input;
};

// Xavier weights with gain 1 and random BatchNorm statistics and affine parameters, so that every
// term of the forward pass is exercised at a visible scale.
void randomize(Network& net, Rng& gen) {
  net.init_weights(InitType::xavier, 1.0, gen);
  for (auto& [name, t] : net.parameters().entries())
    if (name.ends_with("bias") || name.ends_with("gamma") || t.rank() == 1) gen.fill_uniform(t, -0.5, 0.5);
  for (const auto& [name, t] : net.buffers())
    if (name.ends_with("running_var")) gen.fill_uniform(t, 0.5, 1.5);
    else gen.fill_uniform(t, -0.3, 0.3);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PYTHON SCRIPT_DIR [WORK_DIR]\n", argv[0]);
    return 2;
  }
  const std::string python = argv[1];
  const std::filesystem::path script = std::filesystem::path(argv[2]) / "check_against_torch.py";
  const std::filesystem::path dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path() / "pigment_torch_check";
  std::filesystem::create_directories(dir);
  const Device cpu = Device::cpu();
  Rng gen(2026);

  std::vector<Case> cases;
  auto gen_case = [&](std::string name, std::string arch, std::string norm, int in, int out, int ngf, bool training,
                      Shape input) {
    cases.push_back({std::move(name),
                     {{"arch", arch}, {"norm", norm}, {"input_nc", in}, {"output_nc", out}, {"ngf", ngf},
                      {"dropout", false}, {"training", training}, {"depth", GeneratorArch::parse(arch).is_unet() ? GeneratorArch::parse(arch).size : 0},
                      {"attention_at", {4, 8}}, {"kind", "G"}},
                     input});
  };
  auto disc_case = [&](std::string name, std::string arch, std::string norm, int in, int n_layers, bool training,
                       Shape input) {
    cases.push_back({std::move(name),
                     {{"arch", arch}, {"norm", norm}, {"input_nc", in}, {"ndf", 8}, {"n_layers", n_layers},
                      {"training", training}, {"kind", "D"}},
                     input});
  };
  gen_case("resnet_6blocks_instance", "resnet_6blocks", "instance", 3, 3, 8, true, {2, 3, 32, 28});
  gen_case("resnet_9blocks_batch_eval", "resnet_9blocks", "batch", 1, 2, 4, false, {1, 1, 16, 16});
  gen_case("unet_6d_batch_train", "unet_6d", "batch", 3, 3, 8, true, {2, 3, 64, 64});
  gen_case("unet_6d_batch_eval", "unet_6d", "batch", 1, 2, 8, false, {1, 1, 64, 128});
  gen_case("unet_7d_instance", "unet_7d", "instance", 3, 3, 4, true, {1, 3, 128, 128});
  gen_case("sa_unet_6d", "sa_unet_6d", "instance", 1, 2, 8, true, {2, 1, 64, 64});
  disc_case("patchgan_basic_batch", "basic", "batch", 6, 3, true, {2, 6, 64, 64});
  disc_case("patchgan_4_layers_instance", "n_layers", "instance", 3, 4, true, {1, 3, 96, 80});
  disc_case("pixel_instance", "pixel", "instance", 3, 1, true, {1, 3, 9, 7});

  nlohmann::json listing = nlohmann::json::array();
  for (Case& c : cases) {
    std::unique_ptr<Network> net;
    if (c.spec["kind"] == "G") {
      GeneratorOptions o;
      o.arch = GeneratorArch::parse(c.spec["arch"].get<std::string>());
      o.norm = kNormNames.parse(c.spec["norm"].get<std::string>(), "norm");
      o.input_nc = c.spec["input_nc"];
      o.output_nc = c.spec["output_nc"];
      o.ngf = c.spec["ngf"];
      o.dropout = c.spec["dropout"];
      net = make_generator(o, cpu, &gen);
    } else {
      DiscriminatorOptions o;
      o.arch = kDiscriminatorNames.parse(c.spec["arch"].get<std::string>(), "discriminator");
      o.norm = kNormNames.parse(c.spec["norm"].get<std::string>(), "norm");
      o.input_nc = c.spec["input_nc"];
      o.ndf = c.spec["ndf"];
      o.n_layers = c.spec["n_layers"];
      net = make_discriminator(o, cpu);
    }
    randomize(*net, gen);
    const bool training = c.spec["training"];
    net->set_training(training);
    Tensor x = Tensor::empty(c.input, DType::f32, cpu);
    gen.fill_uniform(x, -1, 1);
    Tensor y;
    {
      autograd::NoGradGuard no_grad;
      // Saved before the forward: in training, batch norm updates its running statistics.
      save_safetensors(dir / (c.name + ".safetensors"), net->state_dict());
      y = net->forward(x);
    }
    save_safetensors(dir / (c.name + "_io.safetensors"), {{"input", x}, {"output", y}});
    nlohmann::json spec = c.spec;
    spec["name"] = c.name;
    listing.push_back(spec);
  }
  const std::string text = listing.dump(1);
  write_file_atomically(dir / "cases.json", std::as_bytes(std::span(text.data(), text.size())));
  const std::string command = fmt::format("\"{}\" \"{}\" \"{}\"", python, script.string(), dir.string());
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return 1;
  return WEXITSTATUS(status);
}

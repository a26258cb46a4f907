// pigment-demo: the engine end to end on the CPU. A small convolutional student learns to imitate
// a fixed random "teacher" network of the same shape on random images: forward, MSE loss,
// backward, Adam, and a safetensors checkpoint of the result. The loss printed falls by orders of
// magnitude within a few hundred steps. (gan-train replaces this as the main job.)
#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/command_line.h"
#include "engine/adam.h"
#include "engine/init.h"
#include "engine/parameters.h"
#include "engine/safetensors.h"
#include "kernels/ops.h"

using namespace pigment;

namespace {
struct TinyNet {
  ParameterSet params;
  Tensor w1, b1, w2, b2;
  TinyNet(const Device& device, Rng& gen, int channels, int hidden) {
    w1 = params.add("conv1.weight", Tensor::empty({hidden, channels, 3, 3}, DType::f32, device));
    b1 = params.add("conv1.bias", Tensor::zeros({hidden}, DType::f32, device));
    w2 = params.add("conv2.weight", Tensor::empty({channels, hidden, 3, 3}, DType::f32, device));
    b2 = params.add("conv2.bias", Tensor::zeros({channels}, DType::f32, device));
    init_xavier_normal(w1, 1.0, gen);
    init_xavier_normal(w2, 1.0, gen);
  }
  Tensor forward(const Tensor& x) const {
    Tensor h = leaky_relu(conv2d(x, w1, b1, {1, 1}), 0.2);
    return tanh(conv2d(h, w2, b2, {1, 1}));
  }
};
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pigment-demo: train a tiny conv net on the CPU to imitate a fixed random teacher"};
  int steps = 300, size = 32, batch = 4;
  std::uint64_t seed = 1;
  double lr = 3e-3;
  std::string out = "pigment-demo.safetensors";
  pigment::add_number(app, "--steps", steps, "training steps", {1});
  pigment::add_number(app, "--size", size, "image side", {4, 512});
  pigment::add_number(app, "--batch", batch, "images per step", {1, 64});
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_option("--out", out, "where to save the trained weights (safetensors)")->capture_default_str();
  if (const auto code = pigment::parse_command_line(app, "pigment-demo", argc, argv)) return *code;

  try {
    const Device cpu = Device::cpu();
    Rng gen(seed);
    TinyNet teacher(cpu, gen, 3, 16), student(cpu, gen, 3, 16);
    teacher.params.set_requires_grad(false);
    Adam adam(student.params, AdamOptions{lr, 0.9, 0.999, 1e-8});
    fmt::print("pigment-demo: student with {} parameters imitates a random teacher on {}×3×{}×{} images\n",
               student.params.numel(), batch, size, size);
    const auto start = std::chrono::steady_clock::now();
    double first = 0, last = 0;
    for (int step = 1; step <= steps; ++step) {
      Tensor x = Tensor::empty({batch, 3, size, size}, DType::f32, cpu);
      gen.fill_normal(x, 0.0, 1.0);
      Tensor target;
      {
        autograd::NoGradGuard no_grad;
        target = teacher.forward(x);
      }
      adam.zero_grad();
      Tensor loss = mse_loss(student.forward(x), target);
      loss.backward();
      adam.step();
      last = loss.item();
      if (step == 1) first = last;
      if (step == 1 || step % 25 == 0 || step == steps)
        fmt::print("step {:>4}  loss {:.6f}\n", step, last);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("trained {} steps in {:.1f} s: loss {:.6f} → {:.6f} ({:.0f}× lower)\n", steps, seconds, first, last,
               first / std::max(last, 1e-30));
    save_safetensors(out, student.params.entries(), {{"format", "pigment-demo"}});
    fmt::print("saved the student to {}\n", out);
    return last < first ? 0 : 1;
  } catch (const std::exception& e) {
    return pigment::report_failure("pigment-demo", e);
  }
}

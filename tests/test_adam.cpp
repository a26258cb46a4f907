// Adam against values produced by PyTorch's torch.optim.Adam (fixtures/make_adam_fixture.py).
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/adam.h"
#include "helpers.h"

using namespace pigment;

namespace {
nlohmann::json load_fixture() {
  std::ifstream in(std::string(PIGMENT_FIXTURES_DIR) + "/adam_pytorch.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// Runs the fixture's three steps; returns the largest relative deviation from PyTorch's values.
double max_deviation(const nlohmann::json& f, DType dtype) {
  const Device cpu = Device::cpu();
  const std::vector<double> init = f["initial"].get<std::vector<double>>();
  ParameterSet ps;
  Tensor p0 = ps.add("p0", Tensor::from_vector(Shape{5}, std::vector<double>(init.begin(), init.begin() + 5), cpu, dtype));
  Tensor p1 = ps.add("p1", Tensor::from_vector(Shape{2, 3}, std::vector<double>(init.begin() + 5, init.end()), cpu, dtype));
  Adam adam(ps, AdamOptions{f["lr"].get<double>(), f["beta1"].get<double>(), f["beta2"].get<double>(),
                            f["eps"].get<double>()});
  double worst = 0;
  for (const auto& step : f["steps"]) {
    const std::vector<double> g = step["grads"].get<std::vector<double>>();
    ps.flat_grads().copy_from(Tensor::from_vector(Shape{11}, g, cpu, dtype));
    adam.step();
    const std::vector<double> expected = step["params"].get<std::vector<double>>();
    const std::vector<double> got = ps.flat_params().to_vector<double>();
    for (std::size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::fabs(got[i] - expected[i]) / std::max(1.0, std::fabs(expected[i])));
  }
  CHECK(adam.step_count() == 3);
  return worst;
}
}  // namespace

TEST_CASE("Adam matches PyTorch over three steps", "[adam]") {
  const nlohmann::json fixture = load_fixture();
  // float64: identical formulas, so agreement to rounding.
  CHECK(max_deviation(fixture["float64_gan"], DType::f64) < 1e-14);
  CHECK(max_deviation(fixture["float64_large_lr"], DType::f64) < 1e-14);
  // float32: PyTorch's vectorised kernel may fuse multiply-adds differently; a few ulps of the
  // parameter (|p| ≤ 4, ulp 4.8e-7) are the expected spread.
  CHECK(max_deviation(fixture["float32_gan"], DType::f32) < 2e-6);
}

TEST_CASE("Adam state can be saved and restored", "[adam]") {
  const Device cpu = Device::cpu();
  auto make = [&](ParameterSet& ps) { ps.add("w", Tensor::from_vector<double>({3}, {1, 2, 3}, cpu)); };
  ParameterSet a_params, b_params;
  make(a_params);
  make(b_params);
  Adam a(a_params, AdamOptions{0.1, 0.5, 0.999, 1e-8}), b(b_params, AdamOptions{0.1, 0.5, 0.999, 1e-8});
  const std::vector<double> g{0.3, -0.2, 0.1};
  for (int i = 0; i < 2; ++i) {
    a_params.flat_grads().copy_from(Tensor::from_vector<double>({3}, g, cpu));
    a.step();
  }
  b_params.flat_params().copy_from(a_params.flat_params());
  b.load_state(a.step_count(), a.exp_avg(), a.exp_avg_sq());
  a_params.flat_grads().copy_from(Tensor::from_vector<double>({3}, g, cpu));
  b_params.flat_grads().copy_from(Tensor::from_vector<double>({3}, g, cpu));
  a.step();
  b.step();
  CHECK(a_params.flat_params().to_vector<double>() == b_params.flat_params().to_vector<double>());
}

#include "engine/parameters.h"
#include "helpers.h"
#include "kernels/ops.h"

using namespace pigment;
using test::error_of;
using test::values;

namespace {
Tensor param(const Shape& s, Rng& gen, const Device& d) {
  Tensor t = Tensor::empty(s, DType::f64, d);
  gen.fill_normal(t, 0.0, 1.0);
  t.set_requires_grad(true);
  return t;
}
}  // namespace

TEST_CASE("gradients accumulate over fan-out", "[autograd]") {
  const Device cpu = Device::cpu();
  Tensor x = Tensor::from_vector<double>({3}, {1.5, -2.0, 0.25}, cpu).set_requires_grad(true);
  // y = Σ (x·x + x + 3x): x feeds four uses; dy/dx = 2x + 4.
  Tensor y = sum(add(add(mul(x, x), x), scale(x, 3.0)));
  y.backward();
  const std::vector<double> g = values(x.grad());
  CHECK(g == std::vector<double>{2 * 1.5 + 4, 2 * -2.0 + 4, 2 * 0.25 + 4});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
  const Device cpu = Device::cpu();
  Tensor x = Tensor::from_vector<double>({2}, {1, 2}, cpu).set_requires_grad(true);
  sum(scale(x, 2.0)).backward();
  sum(scale(x, 3.0)).backward();
  CHECK(values(x.grad()) == std::vector<double>{5, 5});
  x.zero_grad();
  CHECK(values(x.grad()) == std::vector<double>{0, 0});
}

TEST_CASE("no_grad records nothing; detach cuts history", "[autograd]") {
  const Device cpu = Device::cpu();
  Tensor x = Tensor::from_vector<double>({2}, {1, 2}, cpu).set_requires_grad(true);
  {
    autograd::NoGradGuard guard;
    Tensor y = mul(x, x);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
  }
  CHECK(autograd::is_grad_enabled());
  Tensor y = mul(x, x);
  CHECK(y.requires_grad());
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.storage() == y.storage());
  // A loss through the detached branch sends nothing to x.
  Tensor loss = sum(add(mul(d, x), d));
  loss.backward();
  CHECK(values(x.grad()) == values(d));  // only the direct use of x
}

TEST_CASE("a frozen network passes input gradients and computes no weight gradients", "[autograd]") {
  // G → D with D frozen, as in the generator step: D's weights get no gradient and no conv weight
  // gradient kernel runs for D's layers.
  const Device cpu = Device::cpu();
  Rng gen(3);
  Tensor x = param({1, 2, 6, 6}, gen, cpu);
  x.set_requires_grad(false);
  ParameterSet g_params, d_params;
  Tensor wg = g_params.add("g.weight", param({3, 2, 3, 3}, gen, cpu));
  Tensor wd1 = d_params.add("d.0.weight", param({4, 3, 3, 3}, gen, cpu));
  Tensor wd2 = d_params.add("d.1.weight", param({1, 4, 3, 3}, gen, cpu));
  d_params.set_requires_grad(false);
  cpu.context().reset_op_counts();
  Tensor fake = tanh(conv2d(x, wg, Tensor(), {1, 1}));
  Tensor logits = conv2d(leaky_relu(conv2d(fake, wd1, Tensor(), {1, 1}), 0.2), wd2, Tensor(), {1, 1});
  mean(logits).backward();
  CHECK(wg.grad().defined());
  CHECK_FALSE(wd1.grad().defined());
  CHECK_FALSE(wd2.grad().defined());
  CHECK(op_count(cpu.context(), OpId::conv2d_weight_grad) == 1);  // G's layer only
  CHECK(op_count(cpu.context(), OpId::conv_transpose2d) == 2);     // input gradients through D's two layers
}

TEST_CASE("a 10,000-op chain runs backward and is freed without recursion", "[autograd]") {
  const Device cpu = Device::cpu();
  Tensor x = Tensor::from_vector<double>({1}, {1.0}, cpu).set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 10000; ++i) y = scale(y, 1.0001);
  sum(y).backward();
  CHECK(values(x.grad())[0] == Approx(std::pow(1.0001, 10000)).epsilon(1e-12));
  // A chain that was never run backward (saved tensors still held) is released too.
  Tensor z = x;
  for (int i = 0; i < 10000; ++i) z = mul(z, x);
  z = Tensor();
  y = Tensor();
  SUCCEED("both chains were destroyed");
}

TEST_CASE("autograd::grad returns gradients without touching .grad", "[autograd]") {
  const Device cpu = Device::cpu();
  Tensor a = Tensor::from_vector<double>({2}, {1, 2}, cpu).set_requires_grad(true);
  Tensor b = Tensor::from_vector<double>({2}, {3, 4}, cpu).set_requires_grad(true);
  Tensor unused = Tensor::from_vector<double>({2}, {5, 6}, cpu).set_requires_grad(true);
  Tensor y = sum(mul(a, b));
  const Tensor roots[] = {y}, grads[] = {Tensor()}, inputs[] = {a, unused};
  const std::vector<Tensor> g = autograd::grad(roots, grads, inputs);
  REQUIRE(g.size() == 2);
  CHECK(values(g[0]) == std::vector<double>{3, 4});
  CHECK_FALSE(g[1].defined());
  CHECK_FALSE(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("double backward through conv and leaky ReLU matches finite differences", "[autograd][double]") {
  // f(w) = Σ (∂L/∂x)² with L = Σ leaky_relu(conv2d(x, w)) ⊙ R: the shape of a gradient penalty.
  const Device cpu = Device::cpu();
  Rng gen(11);
  Tensor x = param({2, 2, 5, 5}, gen, cpu);
  Tensor w = param({3, 2, 3, 3}, gen, cpu);
  Tensor r = Tensor::empty({2, 3, 5, 5}, DType::f64, cpu);
  gen.fill_normal(r, 0.0, 1.0);
  auto f = [&](bool create_graph) {
    Tensor l = sum(mul(leaky_relu(conv2d(x, w, Tensor(), {1, 1}), 0.2), r));
    const Tensor roots[] = {l}, grads[] = {Tensor()}, inputs[] = {x};
    Tensor gx = autograd::grad(roots, grads, inputs, create_graph)[0];
    return sum(mul(gx, gx));
  };
  Tensor penalty = f(true);
  penalty.backward();
  const std::vector<double> analytic = values(w.grad());
  double max_rel = 0;
  for (std::int64_t i = 0; i < w.numel(); i += 5) {
    double& v = w.data<double>()[i];
    const double orig = v, h = 1e-5;
    v = orig + h;
    const double fp = f(false).item();
    v = orig - h;
    const double fm = f(false).item();
    v = orig;
    const double numeric = (fp - fm) / (2 * h);
    max_rel = std::max(max_rel, std::fabs(numeric - analytic[static_cast<std::size_t>(i)]) /
                                    std::max(1.0, std::fabs(numeric)));
  }
  INFO("max relative error " << max_rel);
  CHECK(max_rel < 1e-6);
}

TEST_CASE("create_graph through an op without double backward is refused clearly", "[autograd][double]") {
  const Device cpu = Device::cpu();
  Tensor x = Tensor::from_vector<double>({3}, {0.1, 0.2, 0.3}, cpu).set_requires_grad(true);
  Tensor y = sum(tanh(x));
  const Tensor roots[] = {y}, grads[] = {Tensor()}, inputs[] = {x};
  const std::string msg = error_of([&] { autograd::grad(roots, grads, inputs, true); });
  CHECK(msg.find("'tanh' has no double backward") != std::string::npos);
}

TEST_CASE("autograd misuse gets clear errors", "[autograd][errors]") {
  const Device cpu = Device::cpu();
  Tensor x = Tensor::from_vector<double>({3}, {1, 2, 3}, cpu).set_requires_grad(true);
  Tensor y = mul(x, x);
  CHECK(error_of([&] { y.backward(); }).find("not a scalar") != std::string::npos);
  CHECK(error_of([&] { y.set_requires_grad(false); }).find("only leaves") != std::string::npos);
  Tensor s = sum(y);
  s.backward();
  CHECK(error_of([&] { s.backward(); }).find("second time") != std::string::npos);
  Tensor c = Tensor::from_vector<double>({1}, {1}, cpu);
  CHECK(error_of([&] { sum(c).backward(); }).find("does not require a gradient") != std::string::npos);
}

TEST_CASE("double backward through an instance-normed layer matches finite differences", "[autograd][double]") {
  // The gradient penalty's shape on a PatchGAN-like block: conv → instance norm → leaky ReLU.
  const Device cpu = Device::cpu();
  Rng gen(13);
  Tensor x = param({2, 2, 6, 5}, gen, cpu);
  Tensor w = param({3, 2, 3, 3}, gen, cpu);
  Tensor gamma = param({3}, gen, cpu);
  Tensor r = Tensor::empty({2, 3, 6, 5}, DType::f64, cpu);
  gen.fill_normal(r, 0.0, 1.0);
  auto f = [&](bool create_graph) {
    Tensor l = sum(mul(leaky_relu(instance_norm(conv2d(x, w, Tensor(), {1, 1}), gamma, Tensor()), 0.2), r));
    const Tensor roots[] = {l}, grads[] = {Tensor()}, inputs[] = {x};
    Tensor gx = autograd::grad(roots, grads, inputs, create_graph)[0];
    return sum(mul(gx, gx));
  };
  f(true).backward();
  for (Tensor* p : {&w, &gamma}) {
    const std::vector<double> analytic = values(p->grad());
    double max_rel = 0;
    for (std::int64_t i = 0; i < p->numel(); i += 3) {
      double& v = p->data<double>()[i];
      const double orig = v, h = 1e-5;
      v = orig + h;
      const double fp = f(false).item();
      v = orig - h;
      const double fm = f(false).item();
      v = orig;
      max_rel = std::max(max_rel, std::fabs((fp - fm) / (2 * h) - analytic[static_cast<std::size_t>(i)]) /
                                      std::max(1.0, std::fabs(analytic[static_cast<std::size_t>(i)])));
    }
    INFO("max relative error " << max_rel);
    CHECK(max_rel < 1e-6);
  }
}

TEST_CASE("instance norm with fused activation and residual equals the composed ops, to second order",
          "[autograd][double]") {
  // The ResNet block's tail (norm + residual) and the PatchGAN's (norm + LeakyReLU) through the
  // fused op and through separate ops: values, gradients, and gradients of a gradient penalty.
  const Device cpu = Device::cpu();
  Rng gen(29);
  Tensor x = param({2, 3, 5, 6}, gen, cpu);
  Tensor w = param({3, 3, 3, 3}, gen, cpu);
  Tensor gamma = param({3}, gen, cpu);
  Tensor beta = param({3}, gen, cpu);
  Tensor skip = param({2, 3, 5, 6}, gen, cpu);
  Tensor r = Tensor::empty({2, 3, 5, 6}, DType::f64, cpu);
  gen.fill_normal(r, 0.0, 1.0);
  for (const double slope : {0.0, 0.2, 1.0}) {
    auto penalty = [&](bool fused) {
      const Tensor h = conv2d(x, w, Tensor(), {1, 1});
      const Tensor y = fused ? instance_norm(h, gamma, beta, 1e-5, {slope}, skip)
                             : add(leaky_relu(instance_norm(h, gamma, beta), slope), skip);
      Tensor l = sum(mul(y, r));
      const Tensor roots[] = {l}, grads[] = {Tensor()}, inputs[] = {x};
      Tensor gx = autograd::grad(roots, grads, inputs, true)[0];
      return std::pair{l, sum(mul(gx, gx))};
    };
    auto gradients = [&](bool fused) {
      for (Tensor* p : {&x, &w, &gamma, &beta, &skip}) p->zero_grad();
      auto [l, gp] = penalty(fused);
      add(l, gp).backward();
      std::vector<std::vector<double>> g;
      for (Tensor* p : {&x, &w, &gamma, &beta, &skip}) g.push_back(values(p->grad()));
      return std::pair{l.item() + gp.item(), g};
    };
    INFO("negative slope " << slope);
    const auto [value_fused, grads_fused] = gradients(true);
    const auto [value_composed, grads_composed] = gradients(false);
    CHECK(value_fused == Approx(value_composed).epsilon(1e-12));
    for (std::size_t i = 0; i < grads_fused.size(); ++i) {
      INFO("parameter " << i);
      CHECK(test::max_abs_diff(grads_fused[i], grads_composed[i]) < 1e-10);
    }
  }
}

TEST_CASE("attention composed of conv, bmm and softmax equals the fused op, values and gradients",
          "[autograd][attention]") {
  // The composition is what CUDA runs with --conv_impl gemm|cudnn; its math is checked here, on
  // the CPU in float64, against the reference op.
  const Device cpu = Device::cpu();
  Rng gen(31);
  const std::int64_t c = 16, d = 2;
  Tensor x = param({2, c, 3, 5}, gen, cpu);
  Tensor wq = param({d, c, 1, 1}, gen, cpu), bq = param({d}, gen, cpu), wk = param({d, c, 1, 1}, gen, cpu),
         bk = param({d}, gen, cpu), wv = param({c, c, 1, 1}, gen, cpu), bv = param({c}, gen, cpu),
         gamma = param({1}, gen, cpu);
  Tensor r = Tensor::empty(x.shape(), DType::f64, cpu);
  gen.fill_normal(r, 0.0, 1.0);
  std::vector<Tensor*> all{&x, &wq, &bq, &wk, &bk, &wv, &bv, &gamma};
  auto run = [&](bool composed) {
    for (Tensor* t : all) t->zero_grad();
    const Tensor y = composed ? self_attention_composed(x, wq, bq, wk, bk, wv, bv, gamma)
                              : self_attention(x, wq, bq, wk, bk, wv, bv, gamma);
    sum(mul(y, r)).backward();
    std::vector<std::vector<double>> out{values(y)};
    for (Tensor* t : all) out.push_back(values(t->grad()));
    return out;
  };
  const auto fused = run(false), composed = run(true);
  for (std::size_t i = 0; i < fused.size(); ++i) {
    INFO("0: output, then the gradients of x, wq, bq, wk, bk, wv, bv, gamma; index " << i);
    CHECK(test::max_abs_diff(fused[i], composed[i]) < 1e-10);
  }
}

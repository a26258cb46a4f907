// Forward values: hand-computed cases, naive oracles (bit-exact on small integers), and the
// properties each op must have.
#include <numeric>

#include <limits>

#include "helpers.h"
#include "kernels/ops.h"
#include "kernels/cpu/gemm.h"
#include "kernels/ops/spec.h"

using namespace pigment;
using test::tensor;
using test::values;

namespace {
const Device host = Device::cpu();

// Small integers in [−3, 3]: every product and sum is exact in float, so a fast kernel and a naive
// one must agree bit for bit whatever their summation order.
Tensor small_ints(const Shape& s, Rng& gen, DType t = DType::f32) {
  std::vector<double> v(static_cast<std::size_t>(s.numel()));
  for (double& x : v) x = static_cast<double>(gen.uniform_int(7) - 3);
  return Tensor::from_vector(s, v, host, t);
}
}  // namespace

TEST_CASE("conv2d matches the direct convolution bit for bit on small integers", "[ops][conv]") {
  Rng gen(5);
  struct Case {
    Shape x, w;
    Conv2dParams p;
  };
  const Case cases[] = {{{3, 5, 7, 7}, {4, 5, 3, 3}, {1, 1}},   {{2, 3, 31, 31}, {6, 3, 4, 4}, {2, 1}},
                        {{1, 6, 9, 5}, {7, 6, 1, 1}, {1, 0}},   {{3, 2, 8, 8}, {3, 2, 7, 7}, {1, 3}},
                        {{1, 64, 16, 16}, {33, 64, 3, 3}, {1, 1}}};
  for (const Case& c : cases) {
    const ConvGeometry g = conv2d_geometry("test", c.x, c.w, c.p);
    Tensor x = small_ints(c.x, gen), w = small_ints(c.w, gen), b = small_ints({c.w[0]}, gen);
    Tensor y = conv2d(x, w, b, c.p);
    Tensor ref = Tensor::empty(y.shape(), DType::f32, host);
    cpu::conv2d_forward_direct<float>(g, x.data<float>(), w.data<float>(), b.data<float>(), ref.data<float>());
    INFO("x" << c.x.str() << " w" << c.w.str());
    CHECK(values(y) == values(ref));
  }
}

// The CPU kernels make their im2col columns one band of output rows at a time (scratch bounded
// whatever the image size): on shapes of several bands, the last one partial, forward, data and
// weight gradients equal the direct sums exactly.
TEST_CASE("conv2d in bands of output rows: forward and both gradients exact", "[ops][conv]") {
  Rng gen(8);
  struct Case {
    Shape x, w;
    Conv2dParams p;
  };
  const Case cases[] = {{{1, 64, 70, 70}, {3, 64, 7, 7}, {1, 3}},     // ResNet's last conv: 4 bands
                        {{2, 64, 130, 130}, {4, 64, 4, 4}, {2, 1}}};  // stride 2: 2 bands per image
  for (const Case& c : cases) {
    const ConvGeometry g = conv2d_geometry("test", c.x, c.w, c.p);
    INFO("x" << c.x.str() << " w" << c.w.str());
    REQUIRE(cpu::conv_workspace_elements(g) < g.patch() * g.output_plane());  // several bands
    REQUIRE(cpu::conv_workspace_elements(g) * 2 > g.patch() * g.ow);          // at least one row
    Tensor x = small_ints(c.x, gen), w = small_ints(c.w, gen);
    std::vector<float> scratch(static_cast<std::size_t>(cpu::conv_workspace_elements(g)));
    const std::size_t ny = static_cast<std::size_t>(g.n * g.k * g.output_plane());
    std::vector<float> y(ny), y_ref(ny);
    cpu::conv2d_forward<float>(g, x.data<float>(), w.data<float>(), nullptr, y.data(), scratch.data());
    cpu::conv2d_forward_direct<float>(g, x.data<float>(), w.data<float>(), nullptr, y_ref.data());
    CHECK(y == y_ref);
    // Data gradient: the transposed convolution of dy, as its direct scatter.
    Tensor dy = small_ints({g.n, g.k, g.oh, g.ow}, gen);
    std::vector<float> dx(static_cast<std::size_t>(x.numel())), dx_ref(dx.size());
    cpu::conv2d_backward_data<float>(g, dy.data<float>(), w.data<float>(), dx.data(), scratch.data());
    cpu::conv_transpose2d_forward_direct<float>(g, dy.data<float>(), w.data<float>(), nullptr, dx_ref.data());
    CHECK(dx == dx_ref);
    // Weight gradient: dw[k, c, i, j] = Σ_n,oy,ox dy[n, k, oy, ox] · x[n, c, oy·s − p + i, ox·s − p + j].
    std::vector<float> dw(static_cast<std::size_t>(w.numel())), dw_ref(dw.size(), 0.0f);
    cpu::conv2d_backward_weight<float>(g, x.data<float>(), dy.data<float>(), dw.data(), scratch.data());
    const float *xs = x.data<float>(), *dys = dy.data<float>();
    for (std::int64_t n = 0; n < g.n; ++n)
      for (std::int64_t k = 0; k < g.k; ++k)
        for (std::int64_t oy = 0; oy < g.oh; ++oy)
          for (std::int64_t ox = 0; ox < g.ow; ++ox) {
            const float d = dys[((n * g.k + k) * g.oh + oy) * g.ow + ox];
            for (std::int64_t ch = 0; ch < g.c; ++ch)
              for (std::int64_t i = 0; i < g.kh; ++i)
                for (std::int64_t j = 0; j < g.kw; ++j) {
                  const std::int64_t iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
                  if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                  dw_ref[static_cast<std::size_t>(((k * g.c + ch) * g.kh + i) * g.kw + j)] +=
                      d * xs[((n * g.c + ch) * g.h + iy) * g.w + ix];
                }
          }
    CHECK(dw == dw_ref);
  }
}

TEST_CASE("conv_transpose2d matches the direct scatter bit for bit on small integers", "[ops][conv]") {
  Rng gen(6);
  struct Case {
    Shape x, w;
    ConvTranspose2dParams p;
  };
  const Case cases[] = {{{3, 5, 7, 7}, {5, 4, 3, 3}, {2, 1, 1, 1}},
                        {{2, 6, 4, 5}, {6, 3, 4, 4}, {2, 1, 0, 0}},
                        {{1, 3, 1, 1}, {3, 2, 4, 4}, {2, 1, 0, 0}},
                        {{1, 32, 8, 8}, {32, 17, 4, 4}, {2, 1, 0, 0}}};
  for (const Case& c : cases) {
    const ConvGeometry g = conv_transpose2d_geometry("test", c.x, c.w, c.p);
    Tensor x = small_ints(c.x, gen), w = small_ints(c.w, gen), b = small_ints({c.w[1]}, gen);
    Tensor y = conv_transpose2d(x, w, b, c.p);
    Tensor ref = Tensor::empty(y.shape(), DType::f32, host);
    cpu::conv_transpose2d_forward_direct<float>(g, x.data<float>(), w.data<float>(), b.data<float>(),
                                                ref.data<float>());
    INFO("x" << c.x.str() << " w" << c.w.str());
    CHECK(values(y) == values(ref));
  }
}

TEST_CASE("the transposed convolution is the adjoint of the convolution", "[ops][conv]") {
  // ⟨conv(u, w), v⟩ = ⟨u, convᵀ(v, w)⟩ for random u, v: stride 2 with output padding included.
  Rng gen(7);
  const Shape u_shape{2, 3, 9, 8};
  const Tensor w = random_tensor({5, 3, 3, 3}, gen, DType::f64, host, Values::normal, false);
  const Conv2dParams p{2, 1};
  const Tensor u = random_tensor(u_shape, gen, DType::f64, host, Values::normal, false);
  const Tensor cu = conv2d(u, w, Tensor(), p);
  const Tensor v = random_tensor(cu.shape(), gen, DType::f64, host, Values::normal, false);
  // conv: 9 → 5 rows, 8 → 4 columns; the transpose needs output padding 0 and 1 to come back.
  const Tensor ctv = conv_transpose2d(v, w, Tensor(), {2, 1, 0, 1});
  REQUIRE(ctv.shape() == u_shape);
  auto dot = [](const Tensor& a, const Tensor& b) {
    const auto x = values(a), y = values(b);
    return std::inner_product(x.begin(), x.end(), y.begin(), 0.0);
  };
  CHECK(dot(cu, v) == Approx(dot(u, ctv)).epsilon(1e-12));
}

TEST_CASE("conv2d on a hand-computed case", "[ops][conv]") {
  // 1×1×3×3 input 1..9, 2×2 kernel of ones, stride 1, no padding: sums of 2×2 windows, + bias 0.5.
  Tensor x = tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, host);
  Tensor w = tensor({1, 1, 2, 2}, {1, 1, 1, 1}, host);
  Tensor b = tensor({1}, {0.5}, host);
  CHECK(values(conv2d(x, w, b, {1, 0})) == std::vector<double>{12.5, 16.5, 24.5, 28.5});
  // Padding 1, stride 2: windows at (−1,−1), (−1,1), (1,−1), (1,1).
  CHECK(values(conv2d(x, w, Tensor(), {2, 1})) == std::vector<double>{1, 5, 11, 28});
}

TEST_CASE("reflection padding mirrors without repeating the edge", "[ops][pad]") {
  Tensor x = tensor({1, 1, 2, 2}, {1, 2, 3, 4}, host);
  // Row −1 reads row 1, row 2 reads row 0 (2·(2−1) − 2); the same for columns.
  CHECK(values(reflection_pad2d(x, 1)) ==
        std::vector<double>{4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1});
  Tensor row = tensor({1, 1, 1, 4}, {1, 2, 3, 4}, host);
  CHECK(values(reflection_pad2d(tensor({1, 1, 4, 4}, std::vector<double>(16, 0), host), 3)).size() == 100);
  CHECK(test::error_of([&] { reflection_pad2d(row, 1); }).find("smaller than the input's height") !=
        std::string::npos);
}

TEST_CASE("instance norm output has zero mean and unit variance per plane", "[ops][norm]") {
  Rng gen(8);
  const Tensor x = random_tensor({3, 5, 7, 9}, gen, DType::f64, host, Values::normal, false);
  const std::vector<double> y = values(scale(instance_norm(x, Tensor(), Tensor(), 0.0), 1.0));
  for (int p = 0; p < 15; ++p) {
    double mu = 0, var = 0;
    for (int i = 0; i < 63; ++i) mu += y[static_cast<std::size_t>(p * 63 + i)];
    mu /= 63;
    for (int i = 0; i < 63; ++i) var += std::pow(y[static_cast<std::size_t>(p * 63 + i)] - mu, 2);
    var /= 63;
    CHECK(std::fabs(mu) < 1e-12);
    CHECK(var == Approx(1.0).epsilon(1e-12));
  }
  // Two pixels a, b normalise to ∓1 (biased variance ((a−b)/2)²), scaled by γ and shifted by β.
  Tensor pair = tensor({1, 1, 1, 2}, {1.0, 3.0}, host);
  const auto two = values(instance_norm(pair, tensor({1}, {2.0}, host), tensor({1}, {0.5}, host), 0.0));
  CHECK(two[0] == Approx(-1.5));
  CHECK(two[1] == Approx(2.5));
}

TEST_CASE("batch norm updates running statistics with the unbiased variance", "[ops][norm]") {
  // Channel values {1, 3} (N=2, 1×1): mean 2, biased variance 1, unbiased 2.
  Tensor x = tensor({2, 1, 1, 1}, {1.0, 3.0}, host);
  Tensor rm = tensor({1}, {0.0}, host), rv = tensor({1}, {1.0}, host);
  const auto y = values(batch_norm(x, Tensor(), Tensor(), rm, rv, {true, 0.1, 0.0}));
  CHECK(y[0] == Approx(-1.0));
  CHECK(y[1] == Approx(1.0));
  CHECK(values(rm)[0] == Approx(0.2));           // 0.9·0 + 0.1·2
  CHECK(values(rv)[0] == Approx(0.9 + 0.1 * 2));  // 0.9·1 + 0.1·2
  // Evaluation uses the running statistics: (x − 0.2)/√1.1.
  const auto e = values(batch_norm(x, Tensor(), Tensor(), rm, rv, {false, 0.1, 0.0}));
  CHECK(e[0] == Approx((1.0 - 0.2) / std::sqrt(1.1)));
}

TEST_CASE("activations on known values", "[ops][activations]") {
  Tensor x = tensor({4}, {-2.0, -0.5, 0.0, 1.5}, host);
  CHECK(values(relu(x)) == std::vector<double>{0, 0, 0, 1.5});
  CHECK(values(leaky_relu(x, 0.2)) == std::vector<double>{-0.4, -0.1, 0.0, 1.5});
  const auto t = values(tanh(x));
  CHECK(t[0] == Approx(std::tanh(-2.0)));
  const auto s = values(sigmoid(tensor({3}, {-800.0, 0.0, 800.0}, host)));
  CHECK(s == std::vector<double>{0.0, 0.5, 1.0});  // no overflow at ±800
}

TEST_CASE("softmax rows sum to one and survive large logits", "[ops][softmax]") {
  Tensor x = tensor({2, 3}, {1000.0, 1001.0, 1002.0, -5.0, 0.0, 5.0}, host);
  const auto y = values(softmax(x));
  CHECK(y[0] + y[1] + y[2] == Approx(1.0));
  CHECK(y[3] + y[4] + y[5] == Approx(1.0));
  CHECK(y[2] / y[1] == Approx(std::exp(1.0)));
}

TEST_CASE("losses on known values", "[ops][losses]") {
  Tensor x = tensor({2}, {0.5, -1.0}, host), t = tensor({2}, {1.0, 0.0}, host);
  CHECK(l1_loss(x, t).item() == Approx((0.5 + 1.0) / 2));
  CHECK(mse_loss(x, t).item() == Approx((0.25 + 1.0) / 2));
  // −[t log σ(x) + (1−t) log(1−σ(x))]
  const double s0 = 1 / (1 + std::exp(-0.5)), s1 = 1 / (1 + std::exp(1.0));
  CHECK(bce_with_logits_loss(x, t).item() == Approx((-std::log(s0) - std::log(1 - s1)) / 2));
  // Finite for huge logits: a confident wrong answer costs |x|.
  CHECK(bce_with_logits_loss(tensor({1}, {-1000.0}, host), tensor({1}, {1.0}, host)).item() == Approx(1000.0));
  // ½d² inside |d| < 1 (d = −0.5), |d| − ½ outside (d = −1): (0.125 + 0.5) / 2.
  CHECK(smooth_l1_loss(x, t).item() == Approx((0.125 + 0.5) / 2));
  CHECK(test::error_of([&] { l1_loss(x, tensor({3}, {0, 0, 0}, host)); }).find("same shape") != std::string::npos);
}

TEST_CASE("l2_normalize: unit rows, a zero row stays zero, a row shorter than eps is only scaled", "[ops][norm]") {
  Tensor x = tensor({3, 2}, {3.0, 4.0, 0.0, 0.0, 1e-13, 0.0}, host);
  x.set_requires_grad(true);
  Tensor y = l2_normalize(x);
  const auto v = values(y);
  CHECK(v[0] == Approx(0.6));
  CHECK(v[1] == Approx(0.8));
  CHECK(v[2] == 0.0);  // 0 / ε, not 0 / 0
  CHECK(v[3] == 0.0);
  CHECK(v[4] == Approx(0.1));  // 1e-13 / 1e-12
  y.backward(tensor({3, 2}, {1.0, 0.0, 1.0, 2.0, 1.0, 0.0}, host));
  const auto g = values(x.grad());
  // (dy − y⟨y, dy⟩)/‖x‖ = ((1, 0) − 0.6·(0.6, 0.8))/5, orthogonal to y.
  CHECK(g[0] == Approx((1 - 0.36) / 5));
  CHECK(g[1] == Approx(-0.48 / 5));
  CHECK(g[2] == Approx(1e12));  // dy / ε below the clamp
  CHECK(g[3] == Approx(2e12));
  CHECK(test::error_of([&] { l2_normalize(tensor({2}, {1.0, 1.0}, host), 0.0); }).find("eps must be positive") !=
        std::string::npos);
}

TEST_CASE("adain gives each plane the supplied mean β and deviation γ", "[ops][norm]") {
  Rng g(5);
  Tensor x = Tensor::from_vector({2, 3, 4, 5}, g.normal_vector(120, 1.0, 3.0), host);
  Tensor gamma = tensor({2, 3}, {0.5, 1.0, 2.0, -1.0, 3.0, 0.25}, host);
  Tensor beta = tensor({2, 3}, {0.0, 1.0, -2.0, 4.0, 0.5, -0.5}, host);
  const auto y = values(adain(x, gamma, beta));
  const auto gv = values(gamma), bv = values(beta);
  for (int p = 0; p < 6; ++p) {
    double m = 0, v = 0;
    for (int i = 0; i < 20; ++i) m += y[static_cast<std::size_t>(p * 20 + i)] / 20;
    for (int i = 0; i < 20; ++i) v += std::pow(y[static_cast<std::size_t>(p * 20 + i)] - m, 2) / 20;
    CHECK(m == Approx(bv[static_cast<std::size_t>(p)]).margin(1e-6));
    CHECK(std::sqrt(v) == Approx(std::fabs(gv[static_cast<std::size_t>(p)])).epsilon(1e-4));  // ε = 1e-5 in the rstd
  }
  CHECK(test::error_of([&] { adain(x, tensor({3}, {1, 1, 1}, host), beta); }).find("[N, C] = [2, 3]") !=
        std::string::npos);
}

TEST_CASE("kl_divergence_loss: 0 for the target's own logits, finite with empty bins", "[ops][losses]") {
  // t = (½, ½, 0): logits log t (−∞ for the empty bin, here −40) give softmax = t and KL = 0.
  Tensor t = tensor({1, 3}, {0.5, 0.5, 0.0}, host);
  CHECK(kl_divergence_loss(tensor({1, 3}, {std::log(0.5), std::log(0.5), -40.0}, host), t).item() ==
        Approx(0.0).margin(1e-12));
  // Uniform logits: KL = Σ t log(t / ⅓) = log(3/2); the empty bin adds 0, not NaN.
  CHECK(kl_divergence_loss(tensor({1, 3}, {0.0, 0.0, 0.0}, host), t).item() == Approx(std::log(1.5)));
  Tensor z = tensor({1, 3}, {0.0, 0.0, 0.0}, host);
  Tensor tg = t.clone();
  tg.set_requires_grad(true);
  CHECK(test::error_of([&] { kl_divergence_loss(z, tg); }).find("takes no gradient") != std::string::npos);
}

TEST_CASE("cosine_topk ranks occupied slots by cosine, ties to the lower index, −1 past them", "[ops][memory]") {
  // Slots 0..3: (1,0), (0,1), empty, (2,0) — slot 3 ties slot 0 (same direction, another length).
  Tensor keys = tensor({4, 2}, {1, 0, 0, 1, 1, 0, 2, 0}, host);
  Tensor ages = tensor({4}, {0, 5, -1, 2}, host);
  const TopK r = cosine_topk(tensor({1, 2}, {3, 0}, host), keys, ages, 4);
  CHECK(values(r.indices) == std::vector<double>{0, 3, 1, -1});
  const auto s = values(r.scores);
  CHECK(s[0] == Approx(1.0));
  CHECK(s[1] == Approx(1.0));
  CHECK(s[2] == Approx(0.0).margin(1e-12));
  CHECK(std::isinf(s[3]));
}

TEST_CASE("memory_update merges a same-coloured query into its slot and gives a new one the oldest slot",
          "[ops][memory]") {
  // Three slots: 0 and 1 occupied (ages 5 and 1), 2 empty. The batch: sample 0 is "same" as slot 0
  // (merge), sample 1 is new (takes the empty slot first), sample 2 is new (takes slot 0? no: the
  // oldest not rewritten; slot 0 was merged, not rewritten, and is now age 0, so slot 1 at age 2).
  MemorySlots m{tensor({3, 2}, {1, 0, 0, 1, 0, 0}, host), tensor({3, 1}, {10, 11, 0}, host),
                tensor({3}, {5, 1, -1}, host), tensor({3}, {7, 8, -1}, host)};
  Tensor q = tensor({3, 2}, {0, 1, 1, 0, 0.6, 0.8}, host);
  memory_update(m, q, tensor({3, 1}, {20, 21, 22}, host), tensor({3}, {100, 101, 102}, host),
                tensor({3}, {0, -1, -1}, host), AgeNoise{1, 0, 0.0f});
  const auto keys = values(m.keys);
  CHECK(keys[0] == Approx(std::sqrt(0.5)));  // normalise((1,0) + (0,1))
  CHECK(keys[1] == Approx(std::sqrt(0.5)));
  CHECK(values(m.values) == std::vector<double>{10, 22, 21});
  CHECK(values(m.sources) == std::vector<double>{7, 102, 101});
  CHECK(values(m.ages) == std::vector<double>{0, 0, 0});
  CHECK(keys[2] == 0.6);
  CHECK(keys[4] == 1.0);
}

TEST_CASE("ciede2000_distance of one-colour palettes is Sharma, Wu and Dalal's ΔE2000", "[ops][colour]") {
  // Their published test pairs (2005), Lab → ΔE00: the hue branches, the rotation term near 275°,
  // neutral colours and the 180° mean-hue cases among them.
  const double pairs[][7] = {{50, 2.6772, -79.7751, 50, 0, -82.7485, 2.0425},
                             {50, 3.1571, -77.2803, 50, 0, -82.7485, 2.8615},
                             {50, 2.8361, -74.0200, 50, 0, -82.7485, 3.4412},
                             {50, 0, 0, 50, -1, 2, 2.3669},
                             {50, 2.5, 0, 73, 25, -18, 27.1492},
                             {50, 2.5, 0, 61, -5, 29, 22.8977},
                             {50, 2.5, 0, 56, -27, -3, 31.9030},
                             {50, 2.5, 0, 58, 24, 15, 19.4535},
                             {50, 2.5, 0, 50, 3.1736, 0.5854, 1.0000},
                             {50, 2.5, 0, 50, 3.2972, 0, 1.0000},
                             {60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644},
                             {63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630},
                             {61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731},
                             {35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645},
                             {22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373},
                             {36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146},
                             {90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441},
                             {90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381},
                             {6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377},
                             {2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082}};
  for (const auto& p : pairs) {
    auto palette = [&](const double* lab) { return tensor({1, 3}, {lab[0] / 50 - 1, lab[1] / 110, lab[2] / 110}, host); };
    const double d = ciede2000_distance(palette(p), palette(p + 3), tensor({1, 1}, {0}, host)).item();
    INFO("pair (" << p[0] << ", " << p[1] << ", " << p[2] << ") – (" << p[3] << ", " << p[4] << ", " << p[5] << ")");
    CHECK(d == Approx(p[6]).margin(1e-4));
  }
}

TEST_CASE("kl_distance guards empty bins and is 0 for the same distribution", "[ops][colour]") {
  Tensor query = tensor({1, 3}, {0.5, 0.5, 0.0}, host);
  Tensor memory = tensor({3, 3}, {0.5, 0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0}, host);
  const auto d = values(kl_distance(query, memory, tensor({1, 4}, {0, 1, 2, -1}, host)));
  CHECK(d[0] == Approx(0.0).margin(1e-12));   // the same
  CHECK(d[1] == Approx(std::log10(2.0)));     // 1·log10(1/0.5); the two empty bins of q add 0, not NaN
  CHECK(d[2] == Approx(8.0));                 // 1·log10(1/1e-8): the query's empty bin floored
  CHECK(d[3] == 0.0);                         // no neighbour
}

TEST_CASE("ab_histogram spreads each pixel by the lookup table and averages", "[ops][colour]") {
  // A 2×2-cell grid over ab ∈ [−110, 110) (cells of 110), one bin per cell (weight 1) for cells 0–2
  // and two half-weights for cell 3; 3 bins.
  const AbGrid grid{-110.0f, 110.0f, 2, 2};
  Tensor lut = tensor({4, 2, 2}, {0, 1, 0, 0, 1, 1, 1, 0, 2, 1, 2, 0, 0, 0.5, 2, 0.5}, host);
  // Pixels: (−0.5, −0.5) → cell 0 (bin 0); (−0.5, 0.5) → cell 1 (bin 1); (0.5, 0.5) twice → cell 3
  // (half to bin 0, half to bin 2): bin 0 = (1 + ½ + ½)/4, bin 1 = 1/4, bin 2 = (½ + ½)/4.
  Tensor ab = tensor({1, 2, 2, 2}, {-0.5, -0.5, 0.5, 0.5, -0.5, 0.5, 0.5, 0.5}, host);
  CHECK(values(ab_histogram(ab, lut, 3, grid)) == std::vector<double>{0.5, 0.25, 0.25});
}

TEST_CASE("dominant_colors finds the clusters of an image, the most frequent first", "[ops][colour]") {
  // 12 pixels: 7 of red-ish (L 50, a 60, b 40), 5 of blue (L 30, a 10, b −60).
  std::vector<double> L, a, b;
  for (int i = 0; i < 12; ++i) {
    const bool red = i % 12 < 7;
    L.push_back((red ? 50.0 : 30.0) / 50 - 1);
    a.push_back((red ? 60.0 : 10.0) / 110);
    b.push_back((red ? 40.0 : -60.0) / 110);
  }
  std::vector<double> ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  const auto out = values(dominant_colors(Tensor::from_vector({1, 1, 3, 4}, L, host), Tensor::from_vector({1, 2, 3, 4}, ab, host), 2));
  CHECK(out[0] == Approx(0.0).margin(1e-9));  // L 50
  CHECK(out[1] == Approx(60.0 / 110));
  CHECK(out[3] == Approx(30.0 / 50 - 1));
  CHECK(out[5] == Approx(-60.0 / 110));
}

TEST_CASE("dropout keeps about 1−p, scales by 1/(1−p), and replays from (seed, offset)", "[ops][dropout]") {
  Tensor x = Tensor::full({1, 1, 100, 100}, 1.0, DType::f32, host);
  const auto a = values(dropout(x, 0.3, 42, 0));
  const auto b = values(dropout(x, 0.3, 42, 0));
  const auto c = values(dropout(x, 0.3, 42, 10000));
  CHECK(a == b);
  CHECK(a != c);
  int kept = 0;
  for (double v : a) {
    CHECK((v == 0.0 || v == Approx(1 / 0.7)));
    kept += v != 0.0;
  }
  CHECK(kept == Approx(7000).margin(200));  // 6σ of a binomial(10000, 0.7) is ~275
  Rng gen(42);
  const auto d = values(dropout(x, 0.3, gen));
  CHECK(d == a);
  CHECK(gen.offset() == 10000);
  CHECK(values(dropout(x, 0.0, 1, 0)) == values(x));
  CHECK(values(dropout(x, 1.0, 1, 0)) == std::vector<double>(10000, 0.0));
}

TEST_CASE("bilinear upsampling follows align_corners=False", "[ops][upsample]") {
  // One row [0, 4]: outputs sample 0, 0.25, 0.75, 1 (clamped) of the way → 0, 1, 3, 4.
  Tensor x = tensor({1, 1, 1, 2}, {0.0, 4.0}, host);
  CHECK(values(upsample_bilinear2x(x)) == std::vector<double>{0, 1, 3, 4, 0, 1, 3, 4});
  // A constant image stays constant.
  const auto c = values(upsample_bilinear2x(Tensor::full({1, 2, 3, 5}, 2.5, DType::f64, host)));
  for (double v : c) CHECK(v == 2.5);
}

TEST_CASE("concat and split are inverse", "[ops][concat]") {
  Rng gen(9);
  Tensor a = random_tensor({2, 3, 4, 5}, gen, DType::f64, host, Values::normal, false);
  Tensor b = random_tensor({2, 1, 4, 5}, gen, DType::f64, host, Values::normal, false);
  Tensor c = concat({a, b});
  CHECK(c.shape() == Shape{2, 4, 4, 5});
  // The first image's channel 3 is b's first image.
  CHECK(values(c)[3 * 20] == values(b)[0]);
  const auto parts = split(c, {3, 1});
  CHECK(values(parts[0]) == values(a));
  CHECK(values(parts[1]) == values(b));
  // An input empty along the concatenated dimension contributes nothing (and does not divide by 0).
  Tensor empty = Tensor::empty({2, 0, 4, 5}, DType::f64, host);
  CHECK(values(concat({empty, b})) == values(b));
}

TEST_CASE("relu gives +0 for every non-positive input, −∞ included", "[ops][activation]") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> y = values(relu(tensor({4}, {-inf, -1.0, 0.0, 2.0}, host)));
  CHECK(y == std::vector<double>{0, 0, 0, 2});
  CHECK_FALSE(std::signbit(y[1]));
  CHECK(values(leaky_relu(tensor({2}, {-inf, -1.0}, host), 0.2)) == std::vector<double>{-inf, -0.2});
  // NaN stays NaN, as torch.relu(nan) is nan: a diverged activation must not come out as 0 and
  // hide the divergence from the training's watch of the losses.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(values(relu(tensor({1}, {nan}, host)))[0]));
  CHECK(std::isnan(values(leaky_relu(tensor({1}, {nan}, host), 0.2))[0]));
}

TEST_CASE("sum, mean and expand", "[ops][reduce]") {
  Tensor x = tensor({2, 3}, {1, 2, 3, 4, 5, 6}, host);
  CHECK(sum(x).item() == 21);
  CHECK(sum(x).rank() == 0);
  CHECK(values(sum(x, {0})) == std::vector<double>{5, 7, 9});
  CHECK(sum(x, {0}).shape() == Shape{1, 3});
  CHECK(values(mean(x, {1})) == std::vector<double>{2, 5});
  CHECK(mean(x).item() == 3.5);
  CHECK(values(expand(tensor({2, 1}, {7, 8}, host), {2, 3})) == std::vector<double>{7, 7, 7, 8, 8, 8});
  CHECK(values(expand(Tensor::scalar(2, DType::f64, host), {2, 2})) == std::vector<double>{2, 2, 2, 2});
}

TEST_CASE("matmul and bmm against the reference GEMM", "[ops][matmul]") {
  Rng gen(10);
  Tensor a = small_ints({3, 4, 5}, gen), b = small_ints({3, 5, 6}, gen);
  const auto c = values(bmm(a, b));
  for (int i = 0; i < 3; ++i) {
    std::vector<float> ref(24);
    cpu::gemm_reference<float>(cpu::Transpose::no, cpu::Transpose::no, 4, 6, 5, 1.f, a.data<float>() + i * 20, 5,
                               b.data<float>() + i * 30, 6, 0.f, ref.data(), 6);
    for (int j = 0; j < 24; ++j) CHECK(c[static_cast<std::size_t>(i * 24 + j)] == ref[static_cast<std::size_t>(j)]);
  }
  Tensor m = tensor({2, 2}, {1, 2, 3, 4}, host);
  CHECK(values(matmul(m, m, true, false)) == std::vector<double>{10, 14, 14, 20});  // mᵀm
}

TEST_CASE("self-attention with γ = 0 is the identity and otherwise mixes positions", "[ops][attention]") {
  Rng gen(12);
  const std::int64_t c = 16, d = 2;
  Tensor x = random_tensor({2, c, 3, 4}, gen, DType::f64, host, Values::normal, false);
  auto w = [&](const Shape& s) { return random_tensor(s, gen, DType::f64, host, Values::normal, false); };
  Tensor wq = w({d, c, 1, 1}), bq = w({d}), wk = w({d, c, 1, 1}), bk = w({d}), wv = w({c, c, 1, 1}), bv = w({c});
  CHECK(values(self_attention(x, wq, bq, wk, bk, wv, bv, tensor({1}, {0.0}, host))) == values(x));
  // With γ = 1 and zero query/key weights, attention is uniform: every position gets the mean of V.
  Tensor zq = Tensor::zeros({d, c, 1, 1}, DType::f64, host), zb = Tensor::zeros({d}, DType::f64, host);
  const auto y = values(self_attention(x, zq, zb, zq, zb, wv, bv, tensor({1}, {1.0}, host)));
  const auto xv = values(x);
  const std::vector<double> v = values(conv2d(x, wv, bv, {}));
  for (int ch = 0; ch < c; ++ch) {
    double mean_v = 0;
    for (int j = 0; j < 12; ++j) mean_v += v[static_cast<std::size_t>(ch * 12 + j)];
    mean_v /= 12;
    for (int j = 0; j < 12; ++j)
      CHECK(y[static_cast<std::size_t>(ch * 12 + j)] == Approx(xv[static_cast<std::size_t>(ch * 12 + j)] + mean_v));
  }
}

// The index arithmetic of the custom CUDA convolutions, checked without a GPU: the operand
// loaders and epilogues of kernels/cuda/conv_loaders.h (host-and-device code) run through a plain
// host GEMM and must equal the CPU reference bit for bit on small-integer inputs. What remains for
// the GPU tests is the tensor-core GEMM engine itself.
#include <limits>

#include "helpers.h"
#include "kernels/ops.h"
#include "kernels/cuda/conv_loaders.h"

using namespace pigment;
namespace conv = pigment::cuda::conv;

// The loaders whose n (or k) is decomposed once per column (or row) on the GPU are driven the
// same way here.
static_assert(cuda::gemm::HasColumns<conv::FpropLoader> && cuda::gemm::HasColumns<conv::DgradLoader> &&
              cuda::gemm::HasColumns<conv::PhasedDgradLoader> && cuda::gemm::HasRows<conv::WgradLoader>);

namespace {
const Device host = Device::cpu();

// C[b] = A[b]·B[b] through the loader and epilogue contract of gemm_tc.cuh (columns where the loader
// has them, as the engine uses them), summed in double.
template <class Loader, class Epilogue>
void host_gemm(const conv::GemmDims& d, const Loader& loader, const Epilogue& epilogue) {
  for (int b = 0; b < d.batches; ++b)
    for (std::int64_t m = 0; m < d.m; ++m)
      for (std::int64_t n = 0; n < d.n; ++n) {
        double acc = 0;
        for (std::int64_t k = 0; k < d.k; ++k)
          acc += static_cast<double>(cuda::gemm::load_a(loader, b, m, k)) *
                 static_cast<double>(cuda::gemm::load_b(loader, b, k, n));
        epilogue.store(b, m, n, static_cast<float>(acc));
      }
}

Tensor small_ints(const Shape& s, Rng& gen) {
  std::vector<double> v(static_cast<std::size_t>(s.numel()));
  for (double& x : v) x = static_cast<double>(gen.uniform_int(7)) - 3.0;
  return Tensor::from_vector(s, v, host, DType::f32);
}

// A buffer every element of which must be written: NaN until then.
std::vector<float> poisoned(std::int64_t n) {
  return std::vector<float>(static_cast<std::size_t>(n), std::numeric_limits<float>::quiet_NaN());
}

std::vector<double> as_doubles(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

struct Case {
  Shape x;
  std::int64_t k, kernel;
  Conv2dParams p;
};
}  // namespace

TEST_CASE("custom conv loaders equal the CPU reference: fprop, dgrad (one GEMM and by phases), wgrad",
          "[ops][conv][cuda-loaders]") {
  const Case cases[] = {
      {{2, 3, 7, 9}, 4, 3, {1, 1}},                     // res-block style, odd sizes
      {{1, 5, 9, 8}, 3, 3, {2, 1}},                     // stride-2 down conv, odd and even sides
      {{2, 3, 8, 8}, 2, 4, {2, 1}},                     // the U-Net / PatchGAN 4×4 s2
      {{1, 2, 7, 7}, 3, 1, {2, 0}},                     // 1×1 stride 2: phases with no taps
      {{3, 2, 5, 6}, 3, 3, {3, 1}},                     // stride 3
      {{1, 3, 2, 2}, 2, 4, {2, 1}},                     // kernel larger than the image
      {{1, 4, 10, 11}, 2, 7, {1, 3, PadMode::reflect}},  // the ResNet stem, reflection read in the load
      {{1, 2, 9, 7}, 2, 3, {2, 2, PadMode::reflect}},    // reflection with stride 2
  };
  Rng gen(17);
  for (const Case& c : cases) {
    const Shape w_shape{c.k, c.x[1], c.kernel, c.kernel};
    const ConvGeometry g = conv2d_geometry("test", c.x, w_shape, c.p);
    INFO("x" << c.x.str() << " w" << w_shape.str() << " s" << c.p.stride << " p" << c.p.padding
             << (g.reflect ? " reflect" : ""));
    const Tensor x = small_ints(c.x, gen), w = small_ints(w_shape, gen), bias = small_ints({c.k}, gen);
    const Tensor dy = small_ints({g.n, g.k, g.oh, g.ow}, gen), bias_c = small_ints({g.c}, gen);

    std::vector<float> y = poisoned(g.n * g.k * g.output_plane());
    host_gemm(conv::fprop_dims(g), conv::FpropLoader{x.data<float>(), w.data<float>(), g},
              conv::FpropEpilogue{y.data(), bias.data<float>(), g});
    CHECK(as_doubles(y) == test::values(conv2d(x, w, bias, c.p)));

    std::vector<float> dw = poisoned(w_shape.numel());
    host_gemm(conv::wgrad_dims(g), conv::WgradLoader{x.data<float>(), dy.data<float>(), g},
              conv::WgradEpilogue{dw.data(), g});
    CHECK(as_doubles(dw) == test::values(conv2d_weight_grad(x, dy, c.kernel, c.kernel, c.p)));

    if (g.reflect) continue;  // a reflecting conv's input gradient is the zero-padded dgrad, folded
    // dgrad with a bias per image channel is the transposed conv's forward.
    const std::vector<double> expected = test::values(conv_transpose2d(dy, w, bias_c, adjoint_params(g)));
    std::vector<float> dx = poisoned(g.n * g.c * g.image_plane());
    host_gemm(conv::dgrad_dims(g), conv::DgradLoader{dy.data<float>(), w.data<float>(), g},
              conv::DgradEpilogue{dx.data(), bias_c.data<float>(), g});
    CHECK(as_doubles(dx) == expected);
    const conv::PhasedDgradShape phases = conv::phased_dgrad_shape(g);
    std::vector<float> dx_phased = poisoned(g.n * g.c * g.image_plane());
    host_gemm(conv::phased_dgrad_dims(g), conv::PhasedDgradLoader{dy.data<float>(), w.data<float>(), g, phases},
              conv::PhasedDgradEpilogue{dx_phased.data(), bias_c.data<float>(), g, phases});
    CHECK(as_doubles(dx_phased) == expected);
    // When the stride divides the sizes and the kernel, the phases do exactly 1/s² of the
    // one-GEMM form's multiply-adds (the rest were products with structural zeros).
    if (g.h % g.stride == 0 && g.w % g.stride == 0 && g.kh % g.stride == 0 && g.kw % g.stride == 0) {
      const conv::GemmDims one = conv::dgrad_dims(g), phased = conv::phased_dgrad_dims(g);
      CHECK(phased.batches * phased.m * phased.n * phased.k * g.stride * g.stride == one.m * one.n * one.k);
    }
  }
}

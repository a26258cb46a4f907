// The two PTX instructions of the tensor-core GEMM (kernels/cuda/gemm_tc.cuh), on the host.
//
// cvt.rna.tf32.f32: float32 → TF32 (1 sign, 8 exponent, 10 mantissa bits, kept in a 32-bit
// register with the low 13 bits zero), rounded to nearest with ties away from zero.
//
// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32: D = A·B + C for a 16×8 A (row-major), an 8×8
// B (column-major) and a 16×8 C/D, held across the 32 lanes of a warp in the PTX ISA's fragment
// layout (g = lane / 4, t = lane % 4):
//   A: a0 (g, t)   a1 (g+8, t)   a2 (g, t+4)   a3 (g+8, t+4)
//   B: b0 (k=t, n=g)   b1 (k=t+4, n=g)
//   C, D: c0 (g, 2t)   c1 (g, 2t+1)   c2 (g+8, 2t)   c3 (g+8, 2t+1)
// The operands' low 13 bits are ignored (TF32). The products of TF32 values are exact in double;
// they and C are summed in double and rounded once to float. The hardware's order and internal
// precision of that sum are not specified, so results agree with a GPU to rounding, and bit for
// bit when every sum is exact (small integers).
//
// With SimtOptions::tf32 off, neither instruction rounds: mma multiplies the full float32 values,
// so a kernel can be held to float32 tolerances and indexing separated from TF32 rounding.
#include <bit>
#include <cstring>

#include "engine/simt/harness.h"

namespace pigment::simt {

namespace {
constexpr std::uint32_t kTf32Mask = 0xFFFFE000u;  // sign, exponent and the 10 kept mantissa bits

double operand(std::uint32_t bits, bool tf32) { return static_cast<double>(std::bit_cast<float>(tf32 ? bits & kTf32Mask : bits)); }

template <bool kTf32> void multiply_tile(Exchange& e) {
  double a[16][8], b[8][8], c[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane >> 2, t = lane & 3;
    const std::uint32_t* in = e.in[lane];
    a[g][t] = operand(in[0], kTf32);
    a[g + 8][t] = operand(in[1], kTf32);
    a[g][t + 4] = operand(in[2], kTf32);
    a[g + 8][t + 4] = operand(in[3], kTf32);
    b[t][g] = operand(in[4], kTf32);
    b[t + 4][g] = operand(in[5], kTf32);
    c[g][2 * t] = std::bit_cast<float>(in[6]);
    c[g][2 * t + 1] = std::bit_cast<float>(in[7]);
    c[g + 8][2 * t] = std::bit_cast<float>(in[8]);
    c[g + 8][2 * t + 1] = std::bit_cast<float>(in[9]);
  }
  auto d = [&](int i, int j) {
    double sum = c[i][j];
    for (int k = 0; k < 8; ++k) sum += a[i][k] * b[k][j];
    return std::bit_cast<std::uint32_t>(static_cast<float>(sum));
  };
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane >> 2, t = lane & 3;
    e.out[lane][0] = d(g, 2 * t);
    e.out[lane][1] = d(g, 2 * t + 1);
    e.out[lane][2] = d(g + 8, 2 * t);
    e.out[lane][3] = d(g + 8, 2 * t + 1);
  }
}
}  // namespace

std::uint32_t cvt_rna_tf32(float x) {
  std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  if (!current_options().tf32) return u;
  if ((u & 0x7F800000u) == 0x7F800000u) return (u & 0x007FFFFFu) ? 0x7FFFFFFFu : u;  // NaN stays NaN, ±inf stays
  u += 0x1000u;  // half a unit of the 10th mantissa bit, added to the magnitude: ties round away from zero
  return u & kTf32Mask;
}

void mma_m16n8k8_tf32(float (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]) {
  const std::uint32_t words[10] = {a[0], a[1], a[2], a[3], b[0], b[1], std::bit_cast<std::uint32_t>(d[0]),
                                   std::bit_cast<std::uint32_t>(d[1]), std::bit_cast<std::uint32_t>(d[2]),
                                   std::bit_cast<std::uint32_t>(d[3])};
  const std::uint32_t* r = collective(Collective::mma_m16n8k8_tf32, 0xFFFFFFFFu, 0, words, 10,
                                      current_options().tf32 ? multiply_tile<true> : multiply_tile<false>);
  for (int i = 0; i < 4; ++i) d[i] = std::bit_cast<float>(r[i]);
}

}  // namespace pigment::simt

#pragma once
// Which implementation the CUDA backend runs for the passes that have several, each choice typed
// and named on its own (gan-train --conv_impl, --matmul_impl, --attention_impl). The CPU backend
// has one implementation of everything and ignores them.
#include <cstdint>
#include <string>

#include "engine/names.h"

namespace pigment {

// A convolution pass (forward, input gradient, weight gradient).
enum class ConvImpl : std::uint8_t {
  auto_select,  // the fastest of the others, measured once per shape and pass
  custom,       // Pigment's implicit-GEMM tensor-core kernels (TF32)
  cudnn,        // cuDNN's
  gemm,         // im2col + cuBLAS SGEMM (TF32)
};
inline constexpr EnumNames<ConvImpl, 4> kConvImplNames{{{{"auto", ConvImpl::auto_select},
                                                          {"custom", ConvImpl::custom},
                                                          {"cudnn", ConvImpl::cudnn},
                                                          {"gemm", ConvImpl::gemm}}}};

// A (batched) matrix product, matmul and bmm.
enum class MatmulImpl : std::uint8_t {
  custom,  // Pigment's tensor-core GEMM (TF32)
  cublas,  // cuBLAS SGEMM in FP32 (strided-batched), as PyTorch multiplies by default
};
inline constexpr EnumNames<MatmulImpl, 2> kMatmulImplNames{
    {{{"custom", MatmulImpl::custom}, {"cublas", MatmulImpl::cublas}}}};

// SAGAN self-attention.
enum class AttentionImpl : std::uint8_t {
  fused,     // Pigment's one-pass kernels: projections, an online softmax, no N×N matrix stored
  composed,  // the reference's graph: 1×1 convs, bmm, softmax, bmm (the N×N matrix in memory),
             // each op on the implementation chosen for it above
};
inline constexpr EnumNames<AttentionImpl, 2> kAttentionImplNames{
    {{{"fused", AttentionImpl::fused}, {"composed", AttentionImpl::composed}}}};

struct KernelChoice {
  ConvImpl conv = ConvImpl::auto_select;
  MatmulImpl matmul = MatmulImpl::custom;
  AttentionImpl attention = AttentionImpl::fused;

  // The libraries' composition a PyTorch user runs: cuDNN (or im2col + cuBLAS) convolutions,
  // cuBLAS products, attention as separate ops.
  static KernelChoice libraries(ConvImpl conv) { return {conv, MatmulImpl::cublas, AttentionImpl::composed}; }
  // The preset a tool's --impl X names: X for convolutions; with cudnn or gemm the libraries for
  // everything (what those tools compare against), with auto or custom Pigment's kernels.
  static KernelChoice preset(ConvImpl conv) {
    return conv == ConvImpl::cudnn || conv == ConvImpl::gemm ? libraries(conv) : KernelChoice{conv};
  }
  // "conv custom, matmul custom, attention fused".
  std::string str() const {
    return std::string("conv ") + std::string(kConvImplNames.name(conv)) + ", matmul " +
           std::string(kMatmulImplNames.name(matmul)) + ", attention " + std::string(kAttentionImplNames.name(attention));
  }
  bool operator==(const KernelChoice&) const = default;
};

}  // namespace pigment

#pragma once
// How the SIMT device runs the CUDA kernels on the CPU (engine/simt/simt.h). Part of every CUDA
// context's options (engine/cuda/cuda_context.h: CudaOptions::simt); a GPU ignores them. Plain
// C++: no CUDA header.
#include <cstdint>
#include <string>
#include <string_view>

namespace pigment {

// The order in which a launch's blocks run. A kernel whose result depends on it (a block reading
// what another block of the same launch wrote) is wrong on a GPU, where blocks run in any order
// and at once: `reverse` and `shuffle` expose such a dependence as a changed result.
enum class BlockOrder : std::uint8_t {
  in_order,  // x fastest, then y, then z: the same order every run
  reverse,   // the last block first
  shuffle,   // a permutation drawn per launch from (seed, launch number): replayable
};

struct SimtOptions {
  // What cudaDeviceProp::multiProcessorCount reports, so grid_for and split-K choose their grids
  // as on a GPU with this many SMs (132: an H100/H200; 1 and 7 make other tilings run).
  int sm_count = 132;
  BlockOrder block_order = BlockOrder::in_order;
  std::uint64_t shuffle_seed = 0;
  // OS threads that run blocks of one launch side by side (1: one after another, deterministic
  // order). More is faster on a multi-core machine for the networks' real layer shapes.
  int workers = 1;
  // Round mma operands to TF32 as the tensor cores do (cvt.rna.tf32.f32); false multiplies the
  // full float32 values, which separates a kernel's indexing from TF32 rounding.
  bool tf32 = true;
};

// "in_order", "reverse", "shuffle" or "shuffle:SEED"; throws naming the choices otherwise.
void parse_block_order(std::string_view text, SimtOptions& options);
std::string block_order_name(const SimtOptions& options);

// Defaults overridden by the environment: PIGMENT_SIMT_SMS, PIGMENT_SIMT_BLOCK_ORDER,
// PIGMENT_SIMT_WORKERS, PIGMENT_SIMT_TF32 (0 or 1). Throws on a malformed value.
SimtOptions simt_options_from_environment();

}  // namespace pigment

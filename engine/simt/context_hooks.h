#pragma once
// What the CUDA context (engine/cuda/cuda_context.cu) does differently when its "GPU" is the SIMT
// harness, where device memory is host memory: its stream carries the harness's options, and under
// AddressSanitizer the caching allocator's slack and cached blocks are poisoned, so that a kernel
// reading or writing past its buffer, or using a freed one, is reported at the faulting line.
// On a GPU build every hook is an empty inline function.
#include <cstddef>

#include <cuda_runtime.h>

#include "engine/simt/options.h"

namespace pigment::simt {

#if PIGMENT_SIMT
// The stream runs its launches with `options`; the properties report options.sm_count SMs.
void configure_device(cudaStream_t stream, cudaDeviceProp& properties, const SimtOptions& options);
// A block of `block_bytes` handed out for a request of `usable_bytes` / returned to the cache.
void on_block_handed_out(void* block, std::size_t usable_bytes, std::size_t block_bytes);
void on_block_cached(void* block, std::size_t block_bytes);
#else
inline void configure_device(cudaStream_t, cudaDeviceProp&, const SimtOptions&) {}
inline void on_block_handed_out(void*, std::size_t, std::size_t) {}
inline void on_block_cached(void*, std::size_t) {}
#endif

// Under AddressSanitizer on the SIMT device the bytes after a request are a poisoned redzone: a
// write past the end is reported by ASan as it happens, so guard bytes are neither written nor
// verified (their host-side check would read the redzone).
#if PIGMENT_SIMT && defined(__SANITIZE_ADDRESS__)
inline constexpr bool kRedzoneGuards = true;
#else
inline constexpr bool kRedzoneGuards = false;
#endif

}  // namespace pigment::simt

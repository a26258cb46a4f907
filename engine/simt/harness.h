#pragma once
// What the parts of the SIMT harness share with each other (not with kernels): the fault path,
// the options of the running launch, warp collectives, and the streams of the runtime shim.
#include <cstdint>
#include <string>

#include "engine/simt/options.h"
#include "engine/simt/simt.h"

namespace pigment::simt {

// Ends the running launch from inside a kernel thread: its block stops, and the launch throws
// pigment::Error with `message`, the kernel's name and this thread's coordinates. (By value: the
// faulted fiber never returns, so its text is moved out rather than left to a destructor.)
[[noreturn]] void fail(std::string message);

// The options of the stream the running launch was issued on.
const SimtOptions& current_options();

// A warp collective: each lane of `mask` deposits up to 10 words; when the last one arrives,
// compute() turns every lane's input into its output (up to 4 words); then each lane gets its own.
// The lanes of one collective must agree on its kind, mask and parameter.
enum class Collective : std::uint8_t { shuffle_xor, mma_m16n8k8_tf32 };
struct Exchange {
  unsigned mask = 0;
  int param = 0;
  std::uint32_t in[32][10];
  std::uint32_t out[32][4];
};
const std::uint32_t* collective(Collective kind, unsigned mask, int param, const std::uint32_t* words, int count,
                                void (*compute)(Exchange&));

// The runtime shim's side of a stream (cuda_runtime.cpp): its options, and a launch counter that
// seeds shuffled block orders.
const SimtOptions& stream_options(cudaStream_t stream);
std::uint64_t next_launch_number(cudaStream_t stream);
// True when [p, p + bytes) lies in one block of device memory (cudaMalloc).
bool is_device_memory(const void* p, std::size_t bytes);

}  // namespace pigment::simt

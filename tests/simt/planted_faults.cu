// Faults that only a sanitizer sees, planted one per run: `planted_faults NAME`. CTest runs each
// in the sanitizer build that must report it and matches the report (tests/simt/CMakeLists.txt):
//   race            a missing __syncthreads between a shared-memory store and a neighbour's load
//                   (ThreadSanitizer: data race)
//   no-race         the same kernel with its barrier: TSan must stay silent
//   global-overrun  a kernel writes one float past a device allocation (AddressSanitizer, in the
//                   caching allocator's poisoned slack)
//   shared-overrun  a kernel writes one float past its dynamic shared memory (AddressSanitizer)
#include <cstdio>
#include <cstring>

#include "tests/simt/planted_kernels.cuh"
#include "tests/simt/simt_test_support.h"

using namespace pigment;
using namespace pigment::simt_test;

int main(int argc, char** argv) {
  const char* fault = argc > 1 ? argv[1] : "";
  Simt simt;
  DeviceFloats in(simt, 2 * 64), out(simt, 2 * 64);
  if (std::strcmp(fault, "race") == 0 || std::strcmp(fault, "no-race") == 0) {
    cuda::launch(simt.ctx(), "rotate_through_shared", 2, 64, 0,
                 fault[0] == 'r' ? rotate_through_shared<false> : rotate_through_shared<true>, in.cget(), out.get());
  } else if (std::strcmp(fault, "global-overrun") == 0) {
    DeviceFloats small(simt, 100);
    cuda::launch(simt.ctx(), "write_one_past", 1, 32, 0, write_one_past, small.get(), 100);
  } else if (std::strcmp(fault, "shared-overrun") == 0) {
    cuda::launch(simt.ctx(), "write_past_dynamic_shared", 1, 32, 40 * sizeof(float), write_past_dynamic_shared, 40);
  } else {
    std::fprintf(stderr, "usage: planted_faults race|no-race|global-overrun|shared-overrun\n");
    return 2;
  }
  std::printf("planted fault '%s' ran to the end\n", fault);
  return 0;
}

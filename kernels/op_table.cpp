// The compile-time agreement between the registry (engine/op_registry.h) and the kernels: every
// op listed there must have its OpTraits (kernels/<op>.h, included by kernels/all_ops.h), and the
// table of CUDA availability below is generated from the same list, in the same order.
#include <type_traits>

#include "kernels/all_ops.h"
#include "kernels/op_table.h"

namespace pigment {

namespace {
template <class T, class = void> struct IsComplete : std::false_type {};
template <class T> struct IsComplete<T, std::void_t<decltype(sizeof(T))>> : std::true_type {};
}  // namespace

#define PIGMENT_CHECK_TRAITS(name)                                                                 \
  static_assert(IsComplete<OpTraits<OpId::name>>::value,                                           \
                "op '" #name "' is listed in engine/op_registry.h but has no OpTraits: declare it " \
                "in its kernels/<op>.h and include that header in kernels/all_ops.h");
PIGMENT_FOR_EACH_OP(PIGMENT_CHECK_TRAITS)
#undef PIGMENT_CHECK_TRAITS

namespace {
constexpr bool kHasCuda[] = {
#define PIGMENT_HAS_CUDA(name) OpTraits<OpId::name>::has_cuda,
    PIGMENT_FOR_EACH_OP(PIGMENT_HAS_CUDA)
#undef PIGMENT_HAS_CUDA
};
static_assert(sizeof(kHasCuda) / sizeof(kHasCuda[0]) == kNumOps, "the CUDA table and the registry disagree");
}  // namespace

bool op_has_cuda_kernel(OpId op) { return kCudaBuilt && kHasCuda[static_cast<int>(op)]; }

bool cuda_backend_complete() {
  for (int i = 0; i < kNumOps; ++i)
    if (!op_has_cuda_kernel(static_cast<OpId>(i))) return false;
  return true;
}

}  // namespace pigment

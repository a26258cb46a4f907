#pragma once
// The op registry: every differentiable op is listed exactly once, on its family's list in the
// header that declares it (PIGMENT_<FAMILY>_OPS in kernels/ops/<family>.h); this file joins the
// lists. The enum, the names, the per-context op counters, the test list
// (tests/test_gradcheck.cpp), the gan-check list and the bench list are all generated from the one
// joined list; the link fails if an op listed has no definition file (kernels/ops/<op>.cpp defines
// its make_spec_<op>()).
//
// Adding an op: see docs/adding-an-op.md. The families' order is the registry's (the order of the
// test lists); an op's test cases are seeded by its name, so adding one reseeds no other.
#include <optional>
#include <string_view>

#include "engine/context.h"
#include "kernels/ops/attention.h"
#include "kernels/ops/colour.h"
#include "kernels/ops/conv.h"
#include "kernels/ops/loss.h"
#include "kernels/ops/matmul.h"
#include "kernels/ops/memory.h"
#include "kernels/ops/norm.h"
#include "kernels/ops/op_id.h"
#include "kernels/ops/pointwise.h"
#include "kernels/ops/reduce.h"
#include "kernels/ops/shape.h"

#define PIGMENT_FOR_EACH_OP(X) \
  PIGMENT_CONV_OPS(X)          \
  PIGMENT_SHAPE_OPS(X)         \
  PIGMENT_NORM_OPS(X)          \
  PIGMENT_POINTWISE_OPS(X)     \
  PIGMENT_MATMUL_OPS(X)        \
  PIGMENT_REDUCE_OPS(X)        \
  PIGMENT_ATTENTION_OPS(X)     \
  PIGMENT_LOSS_OPS(X)          \
  PIGMENT_MEMORY_OPS(X)        \
  PIGMENT_COLOUR_OPS(X)

namespace pigment {

enum class OpId : int {
#define PIGMENT_OP_ENUM(name) name,
  PIGMENT_FOR_EACH_OP(PIGMENT_OP_ENUM)
#undef PIGMENT_OP_ENUM
};

inline constexpr std::string_view kOpNames[] = {
#define PIGMENT_OP_NAME(name) #name,
    PIGMENT_FOR_EACH_OP(PIGMENT_OP_NAME)
#undef PIGMENT_OP_NAME
};

inline constexpr int kNumOps = static_cast<int>(sizeof(kOpNames) / sizeof(kOpNames[0]));
static_assert(kNumOps <= Context::kOpCounterSlots, "more ops than the contexts' op counters: raise kOpCounterSlots");

constexpr std::optional<OpId> op_from_name(std::string_view name) {
  for (int i = 0; i < kNumOps; ++i)
    if (kOpNames[i] == name) return static_cast<OpId>(i);
  return std::nullopt;
}

}  // namespace pigment

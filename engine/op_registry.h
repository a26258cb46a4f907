#pragma once
// The op registry: every differentiable op is listed exactly once, here. The enum, the names, the
// per-context op counters, the test list (tests/test_gradcheck.cpp), the gan-check list and the
// bench list are all generated from this one list; the link fails if an op listed here has no
// definition file (kernels/ops/<op>.cpp defines its make_spec_<op>()).
//
// Adding an op: see docs/adding-an-op.md.
#include <optional>
#include <string_view>

#define PIGMENT_FOR_EACH_OP(X) \
  X(conv2d)                    \
  X(conv2d_weight_grad)        \
  X(conv_transpose2d)          \
  X(reflection_pad2d)          \
  X(instance_norm)             \
  X(batch_norm)                \
  X(relu)                      \
  X(leaky_relu)                \
  X(leaky_relu_backward)       \
  X(tanh)                      \
  X(sigmoid)                   \
  X(pow)                       \
  X(dropout)                   \
  X(add)                       \
  X(sub)                       \
  X(mul)                       \
  X(scale)                     \
  X(concat)                    \
  X(split)                     \
  X(upsample_bilinear2x)       \
  X(matmul)                    \
  X(bmm)                       \
  X(softmax)                   \
  X(sum)                       \
  X(mean)                      \
  X(expand)                    \
  X(self_attention)            \
  X(l1_loss)                   \
  X(mse_loss)                  \
  X(bce_with_logits_loss)       \
  X(smooth_l1_loss)

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

constexpr std::string_view op_name(OpId op) { return kOpNames[static_cast<int>(op)]; }

constexpr std::optional<OpId> op_from_name(std::string_view name) {
  for (int i = 0; i < kNumOps; ++i)
    if (kOpNames[i] == name) return static_cast<OpId>(i);
  return std::nullopt;
}

}  // namespace pigment

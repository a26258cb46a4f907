#pragma once
// The identity of a differentiable op. Each op is listed once, on its family's list beside its
// declaration (kernels/ops/<family>.h); the registry (kernels/ops/registry.h) joins the lists and
// completes this enum. Declared here without its values so that the family headers, which the
// registry reads, can name it.
#include <cstdint>
#include <string_view>

#include "engine/context.h"

namespace pigment {

enum class OpId : int;

// The op's name as its family lists it ("conv2d"); a C string for the check_* helpers.
std::string_view op_name(OpId op);
inline const char* op_cname(OpId op) { return op_name(op).data(); }

// How many times the op's kernels ran in `ctx` (Context::op_count, by the op's index).
inline std::int64_t op_count(const Context& ctx, OpId op) { return ctx.op_count(static_cast<int>(op)); }

}  // namespace pigment

#include "kernels/ops/registry.h"

namespace pigment {

std::string_view op_name(OpId op) { return kOpNames[static_cast<int>(op)]; }

}  // namespace pigment

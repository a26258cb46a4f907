#include "kernels/ops/spec.h"
#include "kernels/ops/reduce.h"

namespace pigment {

Tensor mean(const Tensor& x) { return detail::reduce<OpId::mean>(x, {}, true); }
Tensor mean(const Tensor& x, const std::vector<int>& dims) { return detail::reduce<OpId::mean>(x, dims, false); }

OpSpec make_spec_mean() {
  return detail::reduction_spec(OpId::mean, {{{1, 1, 1, 1}, {}, true},
                                             {{3, 5, 7, 7}, {}, true},
                                             {{3, 5, 7, 7}, {2, 3}, false},
                                             {{3, 5, 1, 7}, {0, 1}, false}});
}

}  // namespace pigment

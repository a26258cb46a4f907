#include "kernels/ops/spec.h"
#include "kernels/ops/sum.h"

namespace pigment {

Tensor mean(const Tensor& x) { return detail::reduce<OpId::mean>(x, {}, true); }
Tensor mean(const Tensor& x, const std::vector<int>& dims) { return detail::reduce<OpId::mean>(x, dims, false); }

OpSpec make_spec_mean() {
  OpSpec spec{OpId::mean};
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    Shape x;
    std::vector<int> dims;
    bool all;
  };
  const Case cases[] = {{{1, 1, 1, 1}, {}, true}, {{3, 5, 7, 7}, {}, true}, {{3, 5, 7, 7}, {2, 3}, false},
                        {{3, 5, 1, 7}, {0, 1}, false}};
  for (const Case& c : cases) {
    spec.cases.push_back(OpCase{
        fmt::format("x{} dims {}", c.x.str(), c.all ? "all" : fmt::format("{}", fmt::join(c.dims, ","))),
        [c](Rng& gen, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(c.x, gen, t, d)}; },
        [c](const std::vector<Tensor>& in) { return std::vector<Tensor>{c.all ? mean(in[0]) : mean(in[0], c.dims)}; },
        static_cast<double>(c.x.numel()), 4.0 * static_cast<double>(c.x.numel())});
  }
  return spec;
}

}  // namespace pigment

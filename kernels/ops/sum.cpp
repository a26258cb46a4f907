#include "kernels/ops/reduce.h"

#include <algorithm>

#include "engine/views.h"
#include "kernels/ops/spec.h"
#include "kernels/ops/pointwise.h"

namespace pigment {

Shape reduced_shape(const char* op, const Shape& x, const std::vector<int>& dims) {
  Shape out = x;
  std::vector<bool> seen(static_cast<std::size_t>(x.rank()), false);
  for (int d : dims) {
    PIGMENT_CHECK(d >= 0 && d < x.rank(), "{}: dimension {} is out of range for a tensor of shape {}", op, d, x.str());
    PIGMENT_CHECK(!seen[static_cast<std::size_t>(d)], "{}: dimension {} is listed twice", op, d);
    seen[static_cast<std::size_t>(d)] = true;
    out = out.with(d, 1);
  }
  return out;
}

namespace detail {
// Shared by sum and mean: Σ over dims (all when dims is empty and `all` is set) times `scale`.
template <OpId op> Tensor reduce(const Tensor& x, const std::vector<int>& dims, bool all) {
  OpRun run{op, {{x, "x"}}};
  const char* name = run.name();
  std::vector<int> reduce_dims = dims;
  if (all) {
    reduce_dims.clear();
    for (int d = 0; d < x.rank(); ++d) reduce_dims.push_back(d);
  }
  const Shape kept = reduced_shape(name, x.shape(), reduce_dims);
  const std::int64_t count = kept.numel() ? x.numel() / std::max<std::int64_t>(kept.numel(), 1) : 0;
  const double factor = op == OpId::mean ? 1.0 / static_cast<double>(std::max<std::int64_t>(count, 1)) : 1.0;
  Tensor y = run.output(all ? Shape{} : kept);
  run.kernels([&]<class T>() { cpu::reduce_sum<T>(x.shape(), kept, x.data<T>(), y.data<T>(), factor); },
              [&](auto& ctx) { cuda::reduce_sum(ctx, x.shape(), kept, x.data<float>(), y.data<float>(), factor); });
  run.record(
      {},
      [x_shape = x.shape(), factor](const autograd::BackwardContext& ctx) {
        Tensor g = expand(ctx.grad(), x_shape);
        return std::vector<Tensor>{factor == 1.0 ? g : scale(g, factor)};
      },
      autograd::DoubleBackward::supported);
  return y;
}
template Tensor reduce<OpId::sum>(const Tensor&, const std::vector<int>&, bool);
template Tensor reduce<OpId::mean>(const Tensor&, const std::vector<int>&, bool);
}  // namespace detail

Tensor sum(const Tensor& x) { return detail::reduce<OpId::sum>(x, {}, true); }
Tensor sum(const Tensor& x, const std::vector<int>& dims) { return detail::reduce<OpId::sum>(x, dims, false); }

namespace detail {
OpSpec reduction_spec(OpId op, std::initializer_list<ReductionCase> cases) {
  OpSpec spec{op};
  spec.cuda_tolerance = kFp32Sums;
  for (const ReductionCase& c : cases) {
    spec.cases.push_back(OpCase{
        fmt::format("x{} dims {}", c.x.str(), c.all ? "all" : fmt::format("{}", fmt::join(c.dims, ","))),
        [c](Rng& gen, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(c.x, gen, t, d)}; },
        [c, op](const std::vector<Tensor>& in) {
          const Tensor& x = in[0];
          if (op == OpId::sum) return std::vector<Tensor>{c.all ? sum(x) : sum(x, c.dims)};
          return std::vector<Tensor>{c.all ? mean(x) : mean(x, c.dims)};
        },
        static_cast<double>(c.x.numel()), 4.0 * static_cast<double>(c.x.numel())});
  }
  return spec;
}
}  // namespace detail

OpSpec make_spec_sum() {
  return detail::reduction_spec(OpId::sum, {{{1, 1, 1, 1}, {}, true},
                                            {{3, 5, 7, 7}, {}, true},
                                            {{3, 5, 7, 7}, {0, 2, 3}, false},
                                            {{3, 5, 7, 7}, {1, 2, 3}, false},
                                            {{2, 3, 4, 5}, {3}, false},
                                            {{6, 7}, {0}, false}});
}

}  // namespace pigment

#include "kernels/ops/shape.h"

#include "kernels/ops/spec.h"

namespace pigment {

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  OpRun run{OpId::concat, xs, "input"};
  const char* op = run.name();
  const Tensor& first = xs.front();
  PIGMENT_CHECK(dim >= 0 && dim < first.rank(), "{}: dimension {} is out of range for {}", op, dim,
                first.shape().str());
  std::vector<std::int64_t> sizes;
  std::int64_t total = 0;
  for (const Tensor& x : xs) {
    PIGMENT_CHECK(x.rank() == first.rank(), "{}: all inputs need rank {}, got {} and {}", op, first.rank(),
                  first.shape().str(), x.shape().str());
    for (int d = 0; d < first.rank(); ++d)
      PIGMENT_CHECK(d == dim || x.dim(d) == first.dim(d),
                    "{}: inputs must agree in every dimension but {}, got {} and {}", op, dim, first.shape().str(),
                    x.shape().str());
    sizes.push_back(x.dim(dim));
    total += x.dim(dim);
  }
  Tensor y = run.output(first.shape().with(dim, total));
  std::int64_t outer = 1;  // the product of the dimensions before dim (no division: sizes may be 0)
  for (int d = 0; d < dim; ++d) outer *= first.dim(d);
  const std::int64_t inner = first.shape().inner(dim + 1);
  run.kernels(
      [&]<class T>() {
        std::vector<const T*> parts;
        for (const Tensor& x : xs) parts.push_back(x.data<T>());
        cpu::concat_forward<T>(outer, inner, sizes, parts, y.data<T>());
      },
      [&](auto& ctx) {
        std::vector<const float*> parts;
        for (const Tensor& x : xs) parts.push_back(x.data<float>());
        cuda::concat_forward(ctx, outer, inner, sizes, parts, y.data<float>());
      });
  run.record(
      {}, [sizes, dim](const autograd::BackwardContext& ctx) { return split(ctx.grad(), sizes, dim); },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_concat() {
  OpSpec spec{OpId::concat};
  struct Case {
    std::vector<Shape> xs;
    int dim;
  };
  const std::vector<Case> cases = {{{{1, 1, 1, 1}, {1, 1, 1, 1}}, 1},
                                   {{{3, 5, 7, 7}, {3, 2, 7, 7}}, 1},
                                   {{{2, 3, 4, 5}, {2, 1, 4, 5}, {2, 6, 4, 5}}, 1},
                                   {{{1, 3, 2, 2}, {2, 3, 2, 2}}, 0},
                                   {{{2, 3, 4, 5}, {2, 3, 4, 1}}, 3}};
  for (const Case& c : cases) {
    std::string label;
    double elems = 0;
    for (const Shape& s : c.xs) {
      label += (label.empty() ? "" : "+") + s.str();
      elems += static_cast<double>(s.numel());
    }
    spec.cases.push_back(OpCase{
        fmt::format("{} dim {}", label, c.dim),
        [c](Rng& g, DType t, const Device& d) {
          std::vector<Tensor> v;
          for (const Shape& s : c.xs) v.push_back(random_tensor(s, g, t, d));
          return v;
        },
        [c](const std::vector<Tensor>& in) { return std::vector<Tensor>{concat(in, c.dim)}; }, 0.0, 8.0 * elems});
  }
  return spec;
}

}  // namespace pigment

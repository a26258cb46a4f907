#include "kernels/ops/memory.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor gather_rows(const Tensor& src, const Tensor& index) {
  OpRun run{OpId::gather_rows, {{src, "src"}, {index, "index"}}};
  const char* op = run.name();
  check_rank(op, src, 2, "src");
  check_rank(op, index, 1, "index");
  const std::int64_t rows = index.dim(0), cols = src.dim(1);
  Tensor dst = run.output({rows, cols});
  run.kernels([&]<class T>() { cpu::gather_rows<T>(rows, cols, src.data<T>(), index.data<T>(), dst.data<T>()); },
              [&](auto& ctx) {
                cuda::gather_rows(ctx, rows, cols, src.data<float>(), index.data<float>(), dst.data<float>());
              });
  return dst;
}

OpSpec make_spec_gather_rows() {
  // Repeated rows, −1 (a zero row) and every row of a small source.
  OpSpec spec{OpId::gather_rows};
  spec.differentiable = false;
  for (const auto& [M, C, R] : {std::tuple<std::int64_t, std::int64_t, std::int64_t>{1, 1, 1}, {7, 5, 9}, {300, 64, 16}}) {
    spec.cases.push_back(OpCase{
        fmt::format("src[{}, {}] index[{}]", M, C, R),
        [M, C, R](Rng& g, DType t, const Device& d) {
          std::vector<double> index(static_cast<std::size_t>(R));
          for (double& v : index) v = static_cast<double>(g.uniform_int(M + 1)) - 1.0;
          return std::vector<Tensor>{random_tensor({M, C}, g, t, d, Values::normal, false),
                                     Tensor::from_vector({R}, index, d, t)};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{gather_rows(in[0], in[1])}; }, 0.0,
        8.0 * static_cast<double>(R * C)});
  }
  return spec;
}

}  // namespace pigment

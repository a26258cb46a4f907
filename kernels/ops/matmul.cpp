#include "kernels/ops/matmul.h"

#include "kernels/cpu/gemm.h"
#include "kernels/ops/spec.h"

namespace pigment {

namespace detail {
// The shared body of matmul (batched = false) and bmm.
template <OpId op> Tensor matmul_like(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  OpRun run{op, {{a, "A"}, {b, "B"}}};
  const char* name = run.name();
  const int rank = op == OpId::bmm ? 3 : 2;
  check_rank(name, a, rank, "A");
  check_rank(name, b, rank, "B");
  const int r = rank - 2;  // index of the row dimension
  const std::int64_t batch = rank == 3 ? a.dim(0) : 1;
  PIGMENT_CHECK(rank == 2 || b.dim(0) == batch, "{}: batch sizes differ: A {} and B {}", name, a.shape().str(),
                b.shape().str());
  const std::int64_t m = ta ? a.dim(r + 1) : a.dim(r), k = ta ? a.dim(r) : a.dim(r + 1);
  const std::int64_t kb = tb ? b.dim(r + 1) : b.dim(r), n = tb ? b.dim(r) : b.dim(r + 1);
  PIGMENT_CHECK(k == kb, "{}: inner dimensions differ: op(A) is {}×{} (A {}{}), op(B) is {}×{} (B {}{})", name, m, k,
                a.shape().str(), ta ? "ᵀ" : "", kb, n, b.shape().str(), tb ? "ᵀ" : "");
  Tensor c = run.output(rank == 3 ? Shape{batch, m, n} : Shape{m, n});
  const std::int64_t lda = a.dim(r + 1), ldb = b.dim(r + 1);
  run.kernels(
      [&]<class T>() {
        for (std::int64_t i = 0; i < batch; ++i)
          cpu::gemm<T>(cpu::Transpose{ta}, cpu::Transpose{tb}, m, n, k, T(1), a.data<T>() + i * a.dim(r) * lda, lda,
                       b.data<T>() + i * b.dim(r) * ldb, ldb, T(0), c.data<T>() + i * m * n, n);
      },
      [&](auto& ctx) {
        cuda::matmul(ctx, static_cast<int>(batch), ta, tb, m, n, k, a.data<float>(), b.data<float>(), c.data<float>());
      });
  a.context().add_flops(2.0 * static_cast<double>(batch * m * n * k));
  run.record(
      {a, b},
      [ta, tb](const autograd::BackwardContext& ctx) {
        const Tensor& dc = ctx.grad();
        const Tensor &sa = ctx.saved(0), &sb = ctx.saved(1);
        std::vector<Tensor> grads(2);
        // With A' = op(A), B' = op(B): dA' = dC·B'ᵀ and dB' = A'ᵀ·dC, transposed back where needed.
        if (ctx.needs(0)) grads[0] = ta ? matmul_like<op>(sb, dc, tb, true) : matmul_like<op>(dc, sb, false, !tb);
        if (ctx.needs(1)) grads[1] = tb ? matmul_like<op>(dc, sa, true, ta) : matmul_like<op>(sa, dc, !ta, false);
        return grads;
      },
      autograd::DoubleBackward::supported);
  return c;
}
}  // namespace detail

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return detail::matmul_like<OpId::matmul>(a, b, trans_a, trans_b);
}

Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return detail::matmul_like<OpId::bmm>(a, b, trans_a, trans_b);
}

namespace {
OpSpec matmul_spec(OpId op, int batch) {
  OpSpec spec{op};
  spec.cuda_tolerance = kTf32Products;
  struct Case {
    std::int64_t m, n, k;
    bool ta, tb;
  };
  const Case cases[] = {{1, 1, 1, false, false}, {5, 7, 3, false, false}, {5, 7, 3, true, false},
                        {5, 7, 3, false, true},  {6, 4, 9, true, true},   {33, 17, 65, false, false}};
  for (const Case& c : cases) {
    auto shape = [batch](std::int64_t r, std::int64_t col) {
      return batch ? Shape{batch, r, col} : Shape{r, col};
    };
    const Shape sa = c.ta ? shape(c.k, c.m) : shape(c.m, c.k);
    const Shape sb = c.tb ? shape(c.n, c.k) : shape(c.k, c.n);
    const double nb = batch ? batch : 1;
    spec.cases.push_back(OpCase{
        fmt::format("A{}{} B{}{}", sa.str(), c.ta ? "ᵀ" : "", sb.str(), c.tb ? "ᵀ" : ""),
        [sa, sb](Rng& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(sa, g, t, d), random_tensor(sb, g, t, d)};
        },
        [c, op](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{op == OpId::bmm ? bmm(in[0], in[1], c.ta, c.tb) : matmul(in[0], in[1], c.ta, c.tb)};
        },
        2.0 * nb * static_cast<double>(c.m * c.n * c.k),
        4.0 * nb * static_cast<double>(c.m * c.k + c.k * c.n + c.m * c.n)});
  }
  return spec;
}
}  // namespace

OpSpec make_spec_matmul() { return matmul_spec(OpId::matmul, 0); }
OpSpec make_spec_bmm() { return matmul_spec(OpId::bmm, 3); }

}  // namespace pigment

// CPU reference of the SAGAN block: plain GEMMs and a materialised N×N attention matrix, one
// image at a time. The backward recomputes Q, K, V and A rather than keeping N×N per image.
#include <cmath>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/raw/attention.h"
#include "kernels/raw/reduce.h"

namespace pigment::cpu {

namespace {
template <class T> struct Workspace {
  std::vector<T> q, k, v, a, o;
  explicit Workspace(const AttentionShape& s)
      : q(static_cast<std::size_t>(s.qk_dim * s.tokens)), k(q.size()),
        v(static_cast<std::size_t>(s.channels * s.tokens)), a(static_cast<std::size_t>(s.tokens * s.tokens)),
        o(v.size()) {}
};

// out[rows × N] = W[rows × C] · X[C × N] + b
template <class T> void project(std::int64_t rows, std::int64_t c, std::int64_t n, const T* w, const T* b, const T* x, T* out) {
  gemm<T>(Transpose::no, Transpose::no, rows, n, c, T(1), w, c, x, n, T(0), out, n);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < n; ++j) out[r * n + j] += b[r];
}

// Q, K, V, A and O for one image.
template <class T> void attend(const AttentionShape& s, const T* x, const AttentionParams<T>& p, Workspace<T>& ws) {
  const std::int64_t c = s.channels, d = s.qk_dim, n = s.tokens;
  project(d, c, n, p.wq, p.bq, x, ws.q.data());
  project(d, c, n, p.wk, p.bk, x, ws.k.data());
  project(c, c, n, p.wv, p.bv, x, ws.v.data());
  // S = QᵀK, then A = softmax over each row
  gemm<T>(Transpose::yes, Transpose::no, n, n, d, T(1), ws.q.data(), n, ws.k.data(), n, T(0), ws.a.data(), n);
  softmax_forward<T>(n, n, ws.a.data(), ws.a.data());
  // O = V·Aᵀ
  gemm<T>(Transpose::no, Transpose::yes, c, n, n, T(1), ws.v.data(), n, ws.a.data(), n, T(0), ws.o.data(), n);
}
}  // namespace

template <class T> void self_attention_forward(const AttentionShape& s, const T* x, const AttentionParams<T>& p, T* y) {
  Workspace<T> ws(s);
  const std::int64_t image = s.channels * s.tokens;
  const T gamma = *p.gamma;
  for (std::int64_t b = 0; b < s.batch; ++b) {
    const T* xb = x + b * image;
    attend(s, xb, p, ws);
    for (std::int64_t i = 0; i < image; ++i) y[b * image + i] = gamma * ws.o[static_cast<std::size_t>(i)] + xb[i];
  }
}

template <class T>
void self_attention_backward(const AttentionShape& s, const T* dy, const T* x, const AttentionParams<T>& p,
                             const AttentionGrads<T>& g) {
  const std::int64_t c = s.channels, d = s.qk_dim, n = s.tokens, image = c * n;
  const T gamma = *p.gamma;
  Workspace<T> ws(s);
  std::vector<T> d_o(static_cast<std::size_t>(image)), dv(d_o.size()), da(static_cast<std::size_t>(n * n)),
      dq(static_cast<std::size_t>(d * n)), dk(dq.size());
  double dgamma = 0;
  for (std::int64_t b = 0; b < s.batch; ++b) {
    const T* xb = x + b * image;
    const T* dyb = dy + b * image;
    const T beta = b == 0 ? T(0) : T(1);  // parameter gradients accumulate over the batch
    attend(s, xb, p, ws);
    for (std::int64_t i = 0; i < image; ++i) {
      dgamma += static_cast<double>(dyb[i]) * static_cast<double>(ws.o[static_cast<std::size_t>(i)]);
      d_o[static_cast<std::size_t>(i)] = gamma * dyb[i];
    }
    // dV = dO·A;  dA = dOᵀ·V;  dS = A ⊙ (dA − rowsum(dA ⊙ A)) (softmax backward), in place in da
    gemm<T>(Transpose::no, Transpose::no, c, n, n, T(1), d_o.data(), n, ws.a.data(), n, T(0), dv.data(), n);
    gemm<T>(Transpose::yes, Transpose::no, n, n, c, T(1), d_o.data(), n, ws.v.data(), n, T(0), da.data(), n);
    softmax_backward<T>(n, n, da.data(), ws.a.data(), da.data());
    // dQ = K·dSᵀ;  dK = Q·dS
    gemm<T>(Transpose::no, Transpose::yes, d, n, n, T(1), ws.k.data(), n, da.data(), n, T(0), dq.data(), n);
    gemm<T>(Transpose::no, Transpose::no, d, n, n, T(1), ws.q.data(), n, da.data(), n, T(0), dk.data(), n);
    // Projection gradients: dW = dP·Xᵀ, db = rowsum(dP), dX += Wᵀ·dP.
    struct Projection {
      std::int64_t rows;
      const T* w;
      const T* dp;
      T* dw;
      T* db;
    };
    const Projection projections[] = {{d, p.wq, dq.data(), g.dwq, g.dbq},
                                      {d, p.wk, dk.data(), g.dwk, g.dbk},
                                      {c, p.wv, dv.data(), g.dwv, g.dbv}};
    T* dxb = g.dx ? g.dx + b * image : nullptr;
    if (dxb)
      for (std::int64_t i = 0; i < image; ++i) dxb[i] = dyb[i];
    for (const Projection& pr : projections) {
      if (pr.dw) gemm<T>(Transpose::no, Transpose::yes, pr.rows, c, n, T(1), pr.dp, n, xb, n, beta, pr.dw, c);
      if (pr.db)
        for (std::int64_t r = 0; r < pr.rows; ++r) {
          double sum = 0;
          for (std::int64_t j = 0; j < n; ++j) sum += static_cast<double>(pr.dp[r * n + j]);
          pr.db[r] = b == 0 ? static_cast<T>(sum) : pr.db[r] + static_cast<T>(sum);  // never 0·(uninitialised)
        }
      if (dxb) gemm<T>(Transpose::yes, Transpose::no, c, n, pr.rows, T(1), pr.w, c, pr.dp, n, T(1), dxb, n);
    }
  }
  if (g.dgamma) *g.dgamma = static_cast<T>(dgamma);
}

#define PIGMENT_INSTANTIATE(T)                                                                                 \
  template void self_attention_forward<T>(const AttentionShape&, const T*, const AttentionParams<T>&, T*);    \
  template void self_attention_backward<T>(const AttentionShape&, const T*, const T*, const AttentionParams<T>&, \
                                           const AttentionGrads<T>&);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu

#pragma once
// The CPU backend's matrix multiply, used by conv, transposed conv, matmul and attention:
//   C = alpha · op(A) · op(B) + beta · C,  row-major, op(A) M×K, op(B) K×N.
// A packed, register-blocked GEMM (BLIS's loop order): panels of B and blocks of A are packed
// into contiguous slivers, and a micro-kernel keeps an MR×NR tile of C in vector registers.
// beta == 0 overwrites C without reading it (C may hold garbage or NaN).
#include <cstdint>

namespace pigment::cpu {

enum class Transpose : bool { no = false, yes = true };

template <class T>
void gemm(Transpose trans_a, Transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

// The textbook triple loop, the oracle of the tests.
template <class T>
void gemm_reference(Transpose trans_a, Transpose trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
                    const T* a, std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

}  // namespace pigment::cpu

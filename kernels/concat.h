#pragma once
// Concatenation along one dimension (the channels of NCHW in the U-Net's skips) and its adjoint,
// split. backward(concat) = split(dy, sizes); backward(split) = concat(dys). Both are linear, so
// double backward holds.
#include <vector>

#include "kernels/op.h"

namespace pigment {

Tensor concat(const std::vector<Tensor>& xs, int dim = 1);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int dim = 1);

template <> struct OpTraits<OpId::concat> { static constexpr bool has_cuda = true; };
template <> struct OpTraits<OpId::split> { static constexpr bool has_cuda = true; };

namespace cpu {
// A tensor seen as [outer, size_along_dim · inner]: each part contributes a contiguous run of
// sizes[i]·inner elements per outer index.
template <class T>
void concat_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const T*>& parts, T* y);
template <class T>
void split_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes, const T* x,
                   const std::vector<T*>& parts);
}  // namespace cpu

namespace cuda {
void concat_forward(CudaContext& ctx, std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const float*>& parts, float* y);
void split_forward(CudaContext& ctx, std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                   const float* x, const std::vector<float*>& parts);
}  // namespace cuda

}  // namespace pigment

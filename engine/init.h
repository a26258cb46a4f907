#pragma once
// Weight initialisation as PyTorch's torch.nn.init defines it, drawn from a Philox Rng on
// the host in double (every device gets the same values for the same seed).
// For a weight of shape [d0, d1, k…]: fan_in = d1·Πk, fan_out = d0·Πk (so a ConvTranspose weight
// [Cin, Cout, k, k] has fan_in = Cout·k², as in PyTorch).
#include <string_view>
#include <utility>

#include "engine/names.h"
#include "engine/rng.h"

namespace pigment {

enum class InitType { normal, xavier, kaiming, orthogonal };
inline constexpr EnumNames<InitType, 4> kInitTypeNames{{{{"normal", InitType::normal},
                                                         {"xavier", InitType::xavier},
                                                         {"kaiming", InitType::kaiming},
                                                         {"orthogonal", InitType::orthogonal}}}};

std::pair<std::int64_t, std::int64_t> fan_in_out(const Shape& shape);

// N(mean, std²)
void init_normal(const Tensor& w, double mean, double std, Rng& gen);
// N(0, gain² · 2/(fan_in + fan_out))
void init_xavier_normal(const Tensor& w, double gain, Rng& gen);
// N(0, 2/fan_in): kaiming_normal_(a=0, mode='fan_in'), the ReLU gain √2
void init_kaiming_normal(const Tensor& w, Rng& gen);
// gain · Q, Q with orthonormal rows or columns from the QR decomposition of a normal matrix of
// [d0, numel/d0], the signs fixed by diag(R) (PyTorch's orthogonal_)
void init_orthogonal(const Tensor& w, double gain, Rng& gen);

// The reference implementation's init_weights for a conv or linear weight: normal(0, gain),
// xavier(gain), kaiming, orthogonal(gain).
void init_weight(const Tensor& w, InitType type, double gain, Rng& gen);

}  // namespace pigment

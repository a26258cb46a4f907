#include "engine/rng.h"

#include <cmath>
#include <numbers>

#include "engine/philox.h"

namespace pigment {

std::uint64_t Rng::reserve(std::uint64_t n_words) {
  const std::uint64_t first = offset_;
  offset_ += (n_words + 3) / 4 * 4;
  return first;
}

std::uint32_t Rng::next_u32() { return philox::word(seed_, reserve(1)); }

double Rng::uniform() { return philox::to_unit_double(next_u32()); }

std::int64_t Rng::uniform_int(std::int64_t n) {
  PIGMENT_CHECK(n > 0, "Rng::uniform_int: n must be positive, got {}", n);
  // 64 random bits and a modulo: the bias is below 2^-32 for any n we use (dataset sizes, crops).
  const std::uint64_t first = reserve(2);
  const std::uint64_t bits =
      (static_cast<std::uint64_t>(philox::word(seed_, first)) << 32) | philox::word(seed_, first + 1);
  return static_cast<std::int64_t>(bits % static_cast<std::uint64_t>(n));
}

double philox_normal(std::uint64_t seed, std::uint64_t first, std::uint64_t i) {
  const std::uint64_t pair = first + (i & ~std::uint64_t{1});
  const double u1 = philox::to_unit_double(philox::word(seed, pair));
  const double u2 = philox::to_unit_double(philox::word(seed, pair + 1));
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  return (i & 1) ? r * std::sin(theta) : r * std::cos(theta);
}

double Rng::normal() {
  const std::uint64_t first = reserve(2);
  return philox_normal(seed_, first, 0);
}

std::vector<double> Rng::normal_vector(std::int64_t n, double mean, double std) {
  const std::uint64_t count = static_cast<std::uint64_t>(n);
  const std::uint64_t first = reserve(count + (count & 1));
  std::vector<double> v(count);
  for (std::uint64_t i = 0; i < count; ++i) v[i] = mean + std * philox_normal(seed_, first, i);
  return v;
}

void Rng::fill_normal(const Tensor& t, double mean, double std) {
  Tensor host = Tensor::from_vector(t.shape(), normal_vector(t.numel(), mean, std), Device::cpu(), t.dtype());
  t.copy_from(host);
}

void Rng::fill_uniform(const Tensor& t, double lo, double hi) {
  const std::uint64_t first = reserve(static_cast<std::uint64_t>(t.numel()));
  std::vector<double> v(static_cast<std::size_t>(t.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = lo + (hi - lo) * philox::to_unit_double(philox::word(seed_, first + i));
  t.copy_from(Tensor::from_vector(t.shape(), v, Device::cpu(), t.dtype()));
}

}  // namespace pigment

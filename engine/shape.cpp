#include "engine/shape.h"

#include "engine/error.h"

namespace pigment {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  for (std::int64_t d : dims) push_back(d);
}

void Shape::push_back(std::int64_t d) {
  PIGMENT_CHECK(rank_ < kMaxRank, "Shape: at most {} dimensions are supported (got more in {} + {})", kMaxRank,
                str(), d);
  PIGMENT_CHECK(d >= 0, "Shape: dimension {} is negative ({}) in {}", rank_, d, str());
  dims_[static_cast<std::size_t>(rank_++)] = d;
}

Shape Shape::with(int i, std::int64_t d) const {
  PIGMENT_CHECK(i >= 0 && i < rank_, "Shape::with: index {} out of range for {}", i, str());
  Shape s = *this;
  s.dims_[static_cast<std::size_t>(i)] = d;
  return s;
}

std::int64_t Shape::numel() const { return inner(0); }

std::int64_t Shape::inner(int first) const {
  std::int64_t n = 1;
  for (int i = first; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[static_cast<std::size_t>(i)] != o.dims_[static_cast<std::size_t>(i)]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<std::size_t>(i)]);
  }
  return s + "]";
}

}  // namespace pigment

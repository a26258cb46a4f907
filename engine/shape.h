#pragma once
// Tensor shapes: rank 0 (a scalar such as a loss) to rank 4 (NCHW images), always contiguous.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace pigment {

class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;  // rank 0: a scalar with one element
  Shape(std::initializer_list<std::int64_t> dims);
  template <class It> static Shape from_range(It first, It last) {
    Shape s;
    for (; first != last; ++first) s.push_back(static_cast<std::int64_t>(*first));
    return s;
  }

  int rank() const { return rank_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t numel() const;
  // Product of the dimensions from `first` to the end (row-major inner size).
  std::int64_t inner(int first) const;
  const std::int64_t* begin() const { return dims_.data(); }
  const std::int64_t* end() const { return dims_.data() + rank_; }

  void push_back(std::int64_t d);
  Shape with(int i, std::int64_t d) const;  // a copy with dimension i replaced

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[1, 3, 7, 7]"; "[]" for a scalar

 private:
  std::array<std::int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace pigment

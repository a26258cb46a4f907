#pragma once
// Small helpers shared by the tests.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

#include "engine/tensor.h"

namespace pigment::test {

// Host values of a tensor as double.
inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

inline Tensor tensor(const Shape& s, const std::vector<double>& v, const Device& d, DType t = DType::f64) {
  return Tensor::from_vector(s, v, d, t);
}

// max |a − b| over two equally long vectors.
inline double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Runs fn and returns the message of the pigment::Error it throws ("" if none).
// What a block prints to stderr (fd 2 redirected to a temporary file while it lives).
class StderrCapture {
 public:
  StderrCapture() : file_(std::tmpfile()), saved_(::dup(2)) {
    std::fflush(stderr);
    ::dup2(::fileno(file_), 2);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string text() {
    restore();
    std::rewind(file_);
    std::string out;
    for (int c; (c = std::fgetc(file_)) != EOF;) out += static_cast<char>(c);
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::FILE* file_;
  int saved_;
};

template <class F> std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace pigment::test

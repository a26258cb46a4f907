#pragma once
// Element types. float32 is the training type on every device; float64 exists on the CPU
// so that finite-difference gradient checks have the precision to be meaningful.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pigment {

enum class DType : std::uint8_t { f32, f64 };

constexpr std::size_t dtype_size(DType t) { return t == DType::f32 ? 4 : 8; }

constexpr std::string_view dtype_name(DType t) { return t == DType::f32 ? "float32" : "float64"; }

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::f32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::f64; };
template <class T> inline constexpr DType dtype_of = DTypeOf<T>::value;

// Calls fn.template operator()<T>() with T the C++ type of dtype.
template <class F> decltype(auto) visit_dtype(DType t, F&& fn) {
  if (t == DType::f32) return fn.template operator()<float>();
  return fn.template operator()<double>();
}

}  // namespace pigment

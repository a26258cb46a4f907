#pragma once
// A number typed by a person (an option's value), checked as a person would state the bound:
// "'abc' is not a whole number", "must be between 1 and 4096, got 0", "must be at least 0" — never
// a 309-digit limit of the type. Every tool's numeric options go through it (train/options.cpp,
// tools/command_line.h).
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include <fmt/format.h>

#include "engine/error.h"

namespace pigment {

// Inclusive bounds; a side left at the type's limit is not stated.
template <class T> struct Bounds {
  T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
};
template <class T> std::string bounds_text(Bounds<T> b) {
  const bool has_lo = b.lo != std::numeric_limits<T>::lowest(), has_hi = b.hi != std::numeric_limits<T>::max();
  if (has_lo && has_hi) return fmt::format("must be between {} and {}", b.lo, b.hi);
  if (has_lo) return fmt::format("must be at least {}", b.lo);
  if (has_hi) return fmt::format("must be at most {}", b.hi);
  return "";
}
template <class T> T parse_number(const std::string& text, Bounds<T> b) {
  T v{};
  if constexpr (std::is_integral_v<T>) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    const bool whole = end == text.data() + text.size() && !text.empty();
    PIGMENT_CHECK(!(ec == std::errc::result_out_of_range && whole), "{}, got {}",
                  bounds_text(b).empty() ? std::string("is too large") : bounds_text(b), text);
    PIGMENT_CHECK(ec == std::errc() && whole, "'{}' is not a whole number", text);
  } else {
    std::size_t used = 0;
    bool ok = false;
    try {
      v = static_cast<T>(std::stod(text, &used));
      ok = used == text.size() && !std::isnan(v);
    } catch (const std::exception&) {
    }
    PIGMENT_CHECK(ok, "'{}' is not a number", text);
  }
  PIGMENT_CHECK(v >= b.lo && v <= b.hi, "{}, got {}", bounds_text(b), text);
  return v;
}

}  // namespace pigment

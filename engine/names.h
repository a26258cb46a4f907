#pragma once
// The names of an enum's values, in one table beside the enum: the command line parses with it,
// train_opt.txt and the messages print with it, and an unknown name is refused with the valid
// ones and the closest of them. Each layer declares its tables (kNormNames beside NormType, …):
//
//   inline constexpr EnumNames<NormType, 3> kNormNames{{{"batch", NormType::batch}, …}};
//   NormType n = kNormNames.parse("instnace", "norm");   // throws: unknown norm 'instnace':
//                                                        //   expected batch, instance or none
//                                                        //   (did you mean instance?)
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pigment {

// The edit distance (insertions, deletions, substitutions) between a and b.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `given` when it is a plausible slip (distance ≤ a third of its length,
// at least 1, or `given` a prefix of it); "" otherwise.
std::string closest_name(std::string_view given, std::span<const std::string_view> candidates);
// "a, b or c".
std::string names_list(std::span<const std::string_view> names);
// Throws pigment::Error: "unknown <what> '<given>': expected <names> (did you mean <closest>?)".
[[noreturn]] void fail_unknown_name(std::string_view what, std::string_view given,
                                    std::span<const std::string_view> names);

template <class E> struct EnumName {
  std::string_view name;
  E value;
};

template <class E, std::size_t N> struct EnumNames {
  std::array<EnumName<E>, N> entries;

  std::optional<E> find(std::string_view name) const {
    for (const auto& e : entries)
      if (e.name == name) return e.value;
    return std::nullopt;
  }
  E parse(std::string_view name, std::string_view what) const {
    if (auto v = find(name)) return *v;
    fail_unknown_name(what, name, names());
  }
  std::string_view name(E value) const {
    for (const auto& e : entries)
      if (e.value == value) return e.name;
    return "?";
  }
  std::array<std::string_view, N> names() const {
    std::array<std::string_view, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = entries[i].name;
    return out;
  }
  std::string list() const { return names_list(names()); }
};

}  // namespace pigment

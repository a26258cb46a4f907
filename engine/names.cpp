#include "engine/names.h"

#include <algorithm>
#include <numeric>

#include "engine/error.h"

namespace pigment {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the Levenshtein table at a time: row[j] = distance(a[0, i), b[0, j)).
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_name(std::string_view given, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = SIZE_MAX;
  for (std::string_view c : candidates) {
    if (!given.empty() && c.starts_with(given)) return std::string(c);
    const std::size_t d = edit_distance(given, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  const std::size_t allowed = std::max<std::size_t>(1, given.size() / 3);
  return best_distance <= allowed ? std::string(best) : std::string();
}

std::string names_list(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

void fail_unknown_name(std::string_view what, std::string_view given, std::span<const std::string_view> names) {
  const std::string closest = closest_name(given, names);
  PIGMENT_FAIL("unknown {} '{}': expected {}{}", what, given, names_list(names),
               closest.empty() ? "" : " (did you mean " + closest + "?)");
}

}  // namespace pigment

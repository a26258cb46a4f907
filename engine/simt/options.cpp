#include "engine/simt/options.h"

#include <cstdlib>

#include "engine/error.h"

namespace pigment {

namespace {
std::int64_t parse_integer(std::string_view what, std::string_view text, std::int64_t lo, std::int64_t hi) {
  const std::string s(text);
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  PIGMENT_CHECK(!s.empty() && end && *end == '\0' && v >= lo && v <= hi, "{}: expected a whole number from {} to {}, got '{}'",
                what, lo, hi, s);
  return v;
}
}  // namespace

void parse_block_order(std::string_view text, SimtOptions& options) {
  if (text == "in_order") {
    options.block_order = BlockOrder::in_order;
  } else if (text == "reverse") {
    options.block_order = BlockOrder::reverse;
  } else if (text == "shuffle" || text.starts_with("shuffle:")) {
    options.block_order = BlockOrder::shuffle;
    if (text.size() > 8)
      options.shuffle_seed = static_cast<std::uint64_t>(parse_integer("shuffle seed", text.substr(8), 0, INT64_MAX));
  } else {
    PIGMENT_FAIL("unknown SIMT block order '{}': expected in_order, reverse, shuffle or shuffle:SEED", text);
  }
}

std::string block_order_name(const SimtOptions& options) {
  switch (options.block_order) {
    case BlockOrder::in_order: return "in_order";
    case BlockOrder::reverse: return "reverse";
    case BlockOrder::shuffle: return "shuffle:" + std::to_string(options.shuffle_seed);
  }
  return "?";
}

SimtOptions simt_options_from_environment() {
  SimtOptions o;
  if (const char* e = std::getenv("PIGMENT_SIMT_SMS")) o.sm_count = static_cast<int>(parse_integer("PIGMENT_SIMT_SMS", e, 1, 1024));
  if (const char* e = std::getenv("PIGMENT_SIMT_WORKERS"))
    o.workers = static_cast<int>(parse_integer("PIGMENT_SIMT_WORKERS", e, 1, 256));
  if (const char* e = std::getenv("PIGMENT_SIMT_TF32")) o.tf32 = parse_integer("PIGMENT_SIMT_TF32", e, 0, 1) == 1;
  if (const char* e = std::getenv("PIGMENT_SIMT_BLOCK_ORDER")) parse_block_order(e, o);
  return o;
}

}  // namespace pigment

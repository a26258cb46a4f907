#pragma once
// Command-line parsing for every tool, with the one exit-code table of engine/exit.h: --help
// exits 0; a usage error prints "tool: problem (run tool --help for every option)" once and
// exits 2 (CLI11's own codes, 105 to 114, are not used).
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/exit.h"
#include "engine/parse_number.h"

namespace pigment {

// Parses argv into `app`; returns the exit code when the tool should stop now.
inline std::optional<int> parse_command_line(CLI::App& app, std::string_view tool, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_usage_error(tool, fmt::format("{} (run {} --help for every option)", e.what(), tool));
  }
}

// A numeric option parsed and bounded as engine/parse_number.h states it ("--num_test: must be at
// least 1, got 0"), in place of CLI11's checks, whose messages print the type's limits.
template <class T>
CLI::Option* add_number(CLI::App& app, const std::string& name, T& field, const std::string& help, Bounds<T> bounds = {}) {
  return app
      .add_option_function<std::string>(
          name,
          [&field, bounds, name](const std::string& text) {
            try {
              field = parse_number<T>(text, bounds);
            } catch (const Error& e) {
              throw CLI::ValidationError(name, e.what());
            }
          },
          help)
      ->default_str(fmt::format("{}", field));
}

}  // namespace pigment

#include "engine/exit.h"

#include <cstdio>
#include <filesystem>
#include <new>
#include <string>

#include <fmt/format.h>

#include "engine/error.h"

namespace pigment {

namespace {

// libstdc++ spells a filesystem error "filesystem error: <what>: <reason> [path1] [path2]"; the
// paths are what a user recognises, so they are quoted in the message instead.
std::string describe(const std::filesystem::filesystem_error& e) {
  std::string what = e.what();
  const std::string prefix = "filesystem error: ";
  if (what.starts_with(prefix)) what = what.substr(prefix.size());
  if (const auto bracket = what.find(" ["); bracket != std::string::npos) what = what.substr(0, bracket);
  // <what> ends with ": <reason>"; put the paths before the reason.
  std::string reason;
  const std::string ec = e.code().message();
  if (!ec.empty() && what.ends_with(": " + ec)) {
    what = what.substr(0, what.size() - ec.size() - 2);
    reason = ec;
  }
  std::string paths;
  if (!e.path1().empty()) paths += " '" + e.path1().string() + "'";
  if (!e.path2().empty()) paths += " → '" + e.path2().string() + "'";
  return fmt::format("{}{}: {}: check that the path exists, is spelled as intended and is writable", what, paths,
                     reason.empty() ? std::string("failed") : reason);
}

}  // namespace

int report_failure(std::string_view tool, const std::exception& e) {
  std::string message;
  ExitCode code = ExitCode::failed;
  if (const auto* error = dynamic_cast<const Error*>(&e)) {
    message = error->what();
    code = ExitCode::bad_input;
  } else if (const auto* fs_error = dynamic_cast<const std::filesystem::filesystem_error*>(&e)) {
    message = describe(*fs_error);
    code = ExitCode::bad_input;
  } else if (dynamic_cast<const std::bad_alloc*>(&e)) {
    message = "out of host memory: use a smaller --batch_size, --crop_size or image, or free memory";
  } else {
    message = fmt::format("internal error ({}): please report it with the command that gave it", e.what());
  }
  // A message that already names the tool is not prefixed twice.
  const std::string prefix = std::string(tool) + ": ";
  if (message.starts_with(prefix)) message = message.substr(prefix.size());
  fmt::print(stderr, "{}{}\n", prefix, message);
  return exit_code(code);
}

int report_usage_error(std::string_view tool, std::string_view message) {
  fmt::print(stderr, "{}: {}\n", tool, message);
  return exit_code(ExitCode::bad_input);
}

}  // namespace pigment

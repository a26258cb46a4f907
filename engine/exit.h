#pragma once
// One table of exit codes for every tool (gan-train, gan-test, gan-check, the dataset tools), and
// one way of reporting a failure: "tool: problem: fix" on stderr, once.
//
//   0    ok
//   1    the work ran and failed: a check did not pass (gan-check), or an internal error
//   2    usage or bad input: an unknown or malformed option, a missing or unreadable file, data
//        that cannot be used — the message names it and the fix
//   3    training diverged (a non-finite loss or weight); the last good checkpoint is kept
//   130  interrupted (Ctrl-C, SIGTERM, SIGHUP) after saving, as a shell reports SIGINT
#include <exception>
#include <string_view>

namespace pigment {

enum class ExitCode : int { ok = 0, failed = 1, bad_input = 2, diverged = 3, interrupted = 130 };

constexpr int exit_code(ExitCode c) { return static_cast<int>(c); }

// Prints "tool: message" for an exception that ended a tool, in words a person can act on (a
// std::filesystem error becomes "cannot … 'path': reason: fix"; an allocation failure says how
// much memory is missing, not "std::bad_alloc"), and returns its exit code: bad_input for
// pigment::Error and filesystem errors (they name the user's input), failed for anything else.
int report_failure(std::string_view tool, const std::exception& e);

// "tool: message" on stderr for a usage error found by the tool itself; returns bad_input.
int report_usage_error(std::string_view tool, std::string_view message);

}  // namespace pigment

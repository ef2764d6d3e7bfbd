#include "trustsim/errors.hpp"

#include <fmt/format.h>

#include "trustsim/text.hpp"

namespace trustsim {

// One line per problem, whatever the values it quotes hold (newlines, control characters,
// bytes that are not UTF-8 are written as escapes).
std::string InputProblem::format() const {
  constexpr std::size_t kWhole = std::string::npos;
  std::string where = mark.file.empty() ? std::string("<scenario>") : one_line(mark.file, 160);
  if (mark.line > 0) where += fmt::format(":{}:{}", mark.line, mark.column);
  std::string text = fmt::format("{}: error: ", where);
  if (!key_path.empty()) text += one_line(key_path, 160) + ": ";
  text += one_line(message, kWhole);
  if (!expected.empty()) text += fmt::format(" (expected {})", one_line(expected, kWhole));
  return text;
}

namespace {
std::string join_problems(const std::vector<InputProblem>& problems) {
  std::string text;
  for (const auto& p : problems) {
    if (!text.empty()) text += '\n';
    text += p.format();
  }
  return text;
}
}  // namespace

InputError::InputError(std::vector<InputProblem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

InputError::InputError(const std::string& message) : std::runtime_error(message) {}

}  // namespace trustsim

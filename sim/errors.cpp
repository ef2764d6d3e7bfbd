#include "trustsim/errors.hpp"

#include <fmt/format.h>

namespace trustsim {

std::string InputProblem::format() const {
  std::string where = mark.file.empty() ? std::string("<scenario>") : mark.file;
  if (mark.line > 0) where += fmt::format(":{}:{}", mark.line, mark.column);
  std::string text = fmt::format("{}: error: ", where);
  if (!key_path.empty()) text += key_path + ": ";
  text += message;
  if (!expected.empty()) text += fmt::format(" (expected {})", expected);
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

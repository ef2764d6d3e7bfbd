// Build identity recorded in every result file and printed by --version.
#pragma once
#include <string_view>

namespace trustsim {
std::string_view engine_version();
std::string_view git_sha();
}  // namespace trustsim

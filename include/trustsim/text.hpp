// Text hygiene for what reaches the user and the result file: messages stay
// on one line, and only valid UTF-8 is stored in the file's UTF-8 strings
// (h5py and other readers refuse anything else).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trustsim {

// Offset of the first byte that is not part of well-formed UTF-8 (no
// overlong forms, no surrogates, nothing above U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view text);

// `text` with every byte of an ill-formed UTF-8 sequence written as \xNN.
std::string escape_invalid_utf8(std::string_view text);

// `text` for a one-line message: control characters (newlines, tabs, ...)
// written as \n, \t or \xNN, ill-formed UTF-8 escaped, and cut to about
// `max_bytes` with "..." when longer.
std::string one_line(std::string_view text, std::size_t max_bytes = 80);

}  // namespace trustsim

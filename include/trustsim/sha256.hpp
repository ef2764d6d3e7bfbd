// SHA-256 (FIPS 180-4) for result digests and the scenario fingerprint.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace trustsim {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  std::string hex();  // finishes the digest

 private:
  void block(const std::uint8_t* chunk);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

std::string sha256_hex(std::string_view text);

}  // namespace trustsim

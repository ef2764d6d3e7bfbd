// Exact byte records: values written as their bytes, vectors and strings with
// their length first. Task records (between ranks, in the journal) and result
// files read in a child process travel this way. Throws RunError when a
// record is shorter than it says.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "trustsim/errors.hpp"

namespace trustsim {

class ByteWriter {
 public:
  template <class T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_vector(const std::vector<T>& values) {
    put<std::uint64_t>(values.size());
    for (const auto& v : values) put(v);
  }
  void put_string(std::string_view text) {
    put<std::uint64_t>(text.size());
    bytes.insert(bytes.end(), text.begin(), text.end());
  }
  std::vector<std::uint8_t> bytes;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    if (bytes_.size() - at_ < sizeof(T)) throw RunError("record is truncated");
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  template <class T>
  std::vector<T> get_vector() {
    const auto n = get<std::uint64_t>();
    if (n > (bytes_.size() - at_) / sizeof(T)) throw RunError("record is truncated");
    std::vector<T> values(n);
    for (auto& v : values) v = get<T>();
    return values;
  }
  // A count of items that take at least `min_bytes` each: never more than
  // the bytes left could hold, so a damaged count cannot ask for a huge array.
  std::uint64_t get_count(std::size_t min_bytes) {
    const auto n = get<std::uint64_t>();
    if (n > (bytes_.size() - at_) / min_bytes) throw RunError("record is truncated");
    return n;
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    if (n > bytes_.size() - at_) throw RunError("record is truncated");
    std::string text(reinterpret_cast<const char*>(bytes_.data()) + at_, n);
    at_ += n;
    return text;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

}  // namespace trustsim

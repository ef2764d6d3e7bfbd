// Tests for the SHA-256 implementation (include/trustsim/sha256.hpp, sim/sha256.cpp): the
// FIPS 180-2 appendix B test vectors, messages whose lengths straddle the padding and block
// boundaries, binary input with NUL bytes, and incremental update() in odd-sized chunks giving
// the same digest as a one-shot update.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trustsim/sha256.hpp"

namespace trustsim {
namespace {

// FIPS 180-2, Appendix B.1-B.3 (one block, two blocks, one million 'a').
TEST(Sha256, FipsEmptyString) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, FipsAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The 448-bit (56-byte) message: its padding spills into a second block.
TEST(Sha256, Fips448BitMessage) {
  const std::string msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  ASSERT_EQ(msg.size() * 8, 448u);
  EXPECT_EQ(sha256_hex(msg), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// FIPS 180-4 / NIST example: the 896-bit message.
TEST(Sha256, Nist896BitMessage) {
  const std::string msg =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
      "lmnopqrsmnopqrstnopqrstu";
  ASSERT_EQ(msg.size() * 8, 896u);
  EXPECT_EQ(sha256_hex(msg), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, FipsOneMillionA) {
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// One million 'a' fed in pieces of 1000 through the incremental interface.
TEST(Sha256, FipsOneMillionAIncremental) {
  Sha256 h;
  const std::string piece(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(piece);
  EXPECT_EQ(h.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the padding boundaries (55: length fits in the same block; 56: it does not;
// 63/64/65: around a full block; 119/120/128: the same one block later). Reference digests
// from Python's hashlib (OpenSSL), an independent implementation.
TEST(Sha256, PaddingBoundaries) {
  const std::pair<std::size_t, const char*> cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
      {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
  };
  for (const auto& [n, digest] : cases) EXPECT_EQ(sha256_hex(std::string(n, 'a')), digest) << n;
}

std::vector<std::uint8_t> AllBytesThreeTimes() {
  std::vector<std::uint8_t> data;
  for (int r = 0; r < 3; ++r)
    for (int b = 0; b < 256; ++b) data.push_back(static_cast<std::uint8_t>(b));
  return data;
}

// Bytes 0..255 repeated three times (768 bytes, includes NUL and high bytes): reference from
// Python's hashlib.
constexpr const char* kAllBytesDigest =
    "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363";

TEST(Sha256, BinaryDataWithNulBytes) {
  const auto data = AllBytesThreeTimes();
  Sha256 h;
  h.update(data.data(), data.size());
  EXPECT_EQ(h.hex(), kAllBytesDigest);
  // The string_view overload treats embedded NULs as data too.
  EXPECT_EQ(sha256_hex(std::string_view(reinterpret_cast<const char*>(data.data()), data.size())),
            kAllBytesDigest);
}

// Odd chunk sizes that cross block boundaries in every phase, including zero-length updates.
TEST(Sha256, IncrementalOddChunksEqualOneShot) {
  const auto data = AllBytesThreeTimes();
  const std::vector<std::vector<std::size_t>> patterns = {
      {1}, {3}, {7, 0, 13}, {63}, {64}, {65}, {1, 62, 2, 129}, {31, 33, 0, 97, 5}, {767, 1}};
  for (const auto& pattern : patterns) {
    Sha256 h;
    std::size_t pos = 0, k = 0;
    while (pos < data.size()) {
      const std::size_t take = std::min(pattern[k++ % pattern.size()], data.size() - pos);
      h.update(data.data() + pos, take);
      pos += take;
    }
    EXPECT_EQ(h.hex(), kAllBytesDigest) << "first chunk " << pattern[0];
  }
}

TEST(Sha256, IncrementalTextEqualsOneShot) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  Sha256 h;
  h.update("The quick ");
  h.update("");
  h.update("brown fox jumps");
  h.update(" over the lazy dog");
  EXPECT_EQ(h.hex(), sha256_hex(text));
  EXPECT_EQ(sha256_hex(text), "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
}

TEST(Sha256, HexIsLowercase64Chars) {
  const auto digest = sha256_hex("trustsim");
  ASSERT_EQ(digest.size(), 64u);
  for (char c : digest) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
}

TEST(Sha256, IndependentHashersDoNotInterfere) {
  Sha256 a, b;
  a.update("ab");
  b.update("xyz");
  a.update("c");
  EXPECT_EQ(a.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(b.hex(), sha256_hex("xyz"));
  EXPECT_NE(sha256_hex("xyz"), sha256_hex("xzy"));
}

}  // namespace
}  // namespace trustsim

#include "storage/crc32c.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using namespace cafka::storage;

TEST_CASE("crc32c matches known vectors", "[crc32c]") {
  std::string check = "123456789";
  CHECK(crc32c(check.data(), check.size()) == 0xE3069283u);
  CHECK(detail::crc32c_table(check.data(), check.size(), 0) == 0xE3069283u);
  CHECK(crc32c("", 0) == 0u);
  std::vector<unsigned char> zeros(32, 0), ones(32, 0xff), inc(32);
  for (int i = 0; i < 32; ++i)
    inc[i] = static_cast<unsigned char>(i);
  // RFC 3720 (iSCSI) appendix B.4 test vectors.
  CHECK(crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(crc32c(ones.data(), ones.size()) == 0x62A8AB43u);
  CHECK(crc32c(inc.data(), inc.size()) == 0x46DD794Eu);
}

TEST_CASE("crc32c chains across calls", "[crc32c]") {
  std::string s = "The quick brown fox jumps over the lazy dog";
  auto whole = crc32c(s.data(), s.size());
  for (size_t cut = 0; cut <= s.size(); ++cut)
    REQUIRE(crc32c(s.data() + cut, s.size() - cut, crc32c(s.data(), cut)) == whole);
}

TEST_CASE("crc32c SSE4.2 and table implementations agree", "[crc32c]") {
  if (!detail::crc32c_hw_available())
    WARN("no SSE4.2 on this CPU: only the table implementation is tested");
  std::mt19937 rng{42};
  std::vector<char> buf(70000);
  for (auto& c : buf)
    c = static_cast<char>(rng());
  for (size_t len : {0, 1, 7, 8, 9, 15, 16, 63, 64, 1000, 1024, 65536, 70000})
    for (size_t off : {0, 1, 3}) {
      if (off + len > buf.size())
        continue;
      auto t = detail::crc32c_table(buf.data() + off, len, 0x1234u);
      auto h = detail::crc32c_hw_available() ? detail::crc32c_sse42(buf.data() + off, len, 0x1234u)
                                             : t;
      INFO("len " << len << " offset " << off);
      REQUIRE(t == h);
      REQUIRE(crc32c(buf.data() + off, len, 0x1234u) == t);
    }
}

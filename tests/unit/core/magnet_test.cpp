#include "core/magnet.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace btnode {
namespace {

constexpr const char* kHex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";
constexpr const char* kV2Hex = "d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb";

Magnet parse_ok(std::string_view uri) {
  auto m = Magnet::parse(uri);
  EXPECT_TRUE(m) << uri << ": " << (m ? "" : m.error().message);
  return m ? *m : Magnet{};
}

std::string parse_error(std::string_view uri) {
  auto m = Magnet::parse(uri);
  EXPECT_FALSE(m) << uri;
  return m ? "" : m.error().message;
}

std::string link(std::string_view rest) {
  return std::string("magnet:?xt=urn:btih:") + kHex + std::string(rest);
}

TEST(Magnet, MinimalV1Hex) {
  Magnet m = parse_ok(link(""));
  EXPECT_EQ(m.info_hash.v1_hex(), kHex);
  EXPECT_FALSE(m.info_hash.v2);
  EXPECT_TRUE(m.display_name.empty());
  EXPECT_TRUE(m.trackers.empty());
  EXPECT_TRUE(m.select_only.empty());
  EXPECT_EQ(m.to_string(), link(""));
}

TEST(Magnet, UpperCaseHexSchemeAndUrn) {
  Magnet m = parse_ok("MAGNET:?xt=URN:BTIH:C12FE1C06BBA254A9DC9F519B335AA7C1367A88A");
  EXPECT_EQ(m.info_hash.v1_hex(), kHex);
}

TEST(Magnet, Base32Btih) {
  std::string b32 = to_base32(InfoHash::from_v1_hex(kHex)->v1_view());
  Magnet m = parse_ok("magnet:?xt=urn:btih:" + b32);
  EXPECT_EQ(m.info_hash.v1_hex(), kHex);
  for (char& c : b32) c = static_cast<char>(std::tolower(c));
  EXPECT_EQ(parse_ok("magnet:?xt=urn:btih:" + b32).info_hash.v1_hex(), kHex);
  EXPECT_EQ(parse_ok("magnet:?xt=urn:btih:" + b32).to_string(), link(""));  // formats as hex
}

TEST(Magnet, V2OnlyAndHybrid) {
  std::string v2 = std::string("magnet:?xt=urn:btmh:1220") + kV2Hex;
  Magnet m = parse_ok(v2 + "&dn=v2");
  EXPECT_FALSE(m.info_hash.v1);
  EXPECT_EQ(m.info_hash.v2_hex(), kV2Hex);
  EXPECT_EQ(to_hex({reinterpret_cast<const char*>(m.info_hash.wire_id().data()), 20}),
            std::string(kV2Hex).substr(0, 40));  // BEP 52: truncated for the wire and DHT

  Magnet hybrid = parse_ok(link("&xt=urn:btmh:1220") + kV2Hex);
  EXPECT_EQ(hybrid.info_hash.v1_hex(), kHex);
  EXPECT_EQ(hybrid.info_hash.v2_hex(), kV2Hex);
  EXPECT_EQ(hybrid.to_string(), link("&xt=urn:btmh:1220") + kV2Hex);
  // Order of the two xt does not matter.
  EXPECT_EQ(parse_ok(v2 + "&xt=urn:btih:" + kHex), hybrid);
}

TEST(Magnet, DisplayNamePercentDecodingAndLiteralPlus) {
  Magnet m = parse_ok(link("&dn=Big%20Buck+Bunny%2B%E2%9C%93"));
  EXPECT_EQ(m.display_name, "Big Buck+Bunny+\xe2\x9c\x93");
  EXPECT_EQ(m.to_string(), link("&dn=Big%20Buck%2BBunny%2B%E2%9C%93"));
  EXPECT_EQ(parse_ok(link("&dn=first&dn=second")).display_name, "first");
  EXPECT_EQ(parse_ok(link("&dn=%00x")).display_name, std::string("\0x", 2));
}

TEST(Magnet, TrackersAndWebSeedsInOrder) {
  Magnet m = parse_ok(
      link("&tr=udp%3A%2F%2Ftracker.example%3A1337%2Fannounce&tr.1=http://t2.example/a?x=1%26y=2"
           "&tr=&ws=https://seed.example/file&ws=https://mirror.example/f%20g&tr=udp://t3:1"));
  EXPECT_EQ(m.trackers, (std::vector<std::string>{"udp://tracker.example:1337/announce",
                                                  "http://t2.example/a?x=1&y=2", "udp://t3:1"}));
  EXPECT_EQ(m.web_seeds,
            (std::vector<std::string>{"https://seed.example/file", "https://mirror.example/f g"}));
  EXPECT_EQ(m.to_string(),
            link("&tr=udp://tracker.example:1337/announce&tr=http://t2.example/a%3Fx%3D1%26y%3D2"
                 "&tr=udp://t3:1&ws=https://seed.example/file&ws=https://mirror.example/f%20g"));
}

TEST(Magnet, PeerAddresses) {
  Magnet m =
      parse_ok(link("&x.pe=1.2.3.4:6881&x.pe=%5B2001:db8::1%5D:51413&x.pe=[::1]:1"
                    "&x.pe=peer.example.org:6882"));
  EXPECT_EQ(m.peers, (std::vector<Endpoint>{*Endpoint::parse("1.2.3.4:6881"),
                                            *Endpoint::parse("[2001:db8::1]:51413"),
                                            *Endpoint::parse("[::1]:1")}));
  ASSERT_EQ(m.peer_hosts.size(), 1u);
  EXPECT_EQ(m.peer_hosts[0].host, "peer.example.org");
  EXPECT_EQ(m.peer_hosts[0].port, 6882);
  EXPECT_EQ(m.to_string(), link("&x.pe=1.2.3.4:6881&x.pe=%5B2001:db8::1%5D:51413"
                                "&x.pe=%5B::1%5D:1&x.pe=peer.example.org:6882"));
}

TEST(Magnet, BadPeerAddress) {
  EXPECT_EQ(parse_error(link("&x.pe=1.2.3.4")),
            "magnet: bad x.pe at position 66 (endpoint: missing ':port')");
  EXPECT_FALSE(Magnet::parse(link("&x.pe=::1:80")));
  EXPECT_FALSE(Magnet::parse(link("&x.pe=[::1]:99999")));
  EXPECT_FALSE(Magnet::parse(link("&x.pe=bad%20host:1")));
}

TEST(Magnet, SelectOnly) {
  EXPECT_EQ(parse_ok(link("&so=0,2,4-6")).select_only, (std::vector<std::uint32_t>{0, 2, 4, 5, 6}));
  // Order and duplicates do not matter; the result is a sorted set.
  Magnet m = parse_ok(link("&so=9,4-6,5,0&so=1"));
  EXPECT_EQ(m.select_only, (std::vector<std::uint32_t>{0, 1, 4, 5, 6, 9}));
  EXPECT_EQ(m.to_string(), link("&so=0-1,4-6,9"));
  EXPECT_EQ(parse_ok(link("&so=7-7")).select_only, (std::vector<std::uint32_t>{7}));
  EXPECT_EQ(parse_ok(link("&so=4294967295")).select_only,
            (std::vector<std::uint32_t>{4294967295u}));
  EXPECT_EQ(parse_ok(link("&so=4294967290-4294967295")).select_only.size(), 6u);
  EXPECT_EQ(parse_ok(link("&so=0-99999")).select_only.size(), kMaxMagnetSelectOnly);
}

TEST(Magnet, SelectOnlyRejectsHostileAndMalformedLists) {
  EXPECT_EQ(parse_error(link("&so=0-4000000000")),
            "magnet: so= selects more than 100000 file indices");
  EXPECT_EQ(parse_error(link("&so=0-99999,100000")),
            "magnet: so= selects more than 100000 file indices");
  EXPECT_EQ(parse_error(link("&so=0-60000&so=0-60000")),
            "magnet: so= selects more than 100000 file indices");
  EXPECT_EQ(parse_error(link("&so=6-4")), "magnet: so= range 6-4 runs backwards");
  EXPECT_EQ(parse_error(link("&so=1,x")),
            "magnet: bad so= list at position 64 (want indices like 0,2,4-6)");
  for (const char* bad : {"&so=", "&so=1,,2", "&so=1,", "&so=-1", "&so=1-", "&so=1-2-3", "&so=+1",
                          "&so=4294967296", "&so=1%2C2x", "&so= 1"}) {
    EXPECT_FALSE(Magnet::parse(link(bad))) << bad;
  }
}

TEST(Magnet, UnknownParametersAreKept) {
  Magnet m = parse_ok(link("&xl=1234&kt=a+b%20c&xt=urn:sha1:ABC&flag&x.foo=%26"));
  EXPECT_EQ(
      m.unknown,
      (std::vector<std::pair<std::string, std::string>>{
          {"xl", "1234"}, {"kt", "a+b c"}, {"xt", "urn:sha1:ABC"}, {"flag", ""}, {"x.foo", "&"}}));
  EXPECT_EQ(m.to_string(), link("&xl=1234&kt=a%2Bb%20c&xt=urn:sha1:ABC&flag=&x.foo=%26"));
}

TEST(Magnet, ErrorMessages) {
  EXPECT_EQ(parse_error(""), "magnet: link must start with magnet:?");
  EXPECT_EQ(parse_error("http://example.com/?xt=urn:btih:x"),
            "magnet: link must start with magnet:?");
  EXPECT_EQ(parse_error("magnet:?"), "magnet: no xt=urn:btih or urn:btmh parameter");
  EXPECT_EQ(parse_error("magnet:?dn=x&xt=urn:sha1:abc"),
            "magnet: no xt=urn:btih or urn:btmh parameter");
  EXPECT_EQ(parse_error("magnet:?xt=urn:btih:0123456789ab"),
            "magnet: btih must be 40 hex or 32 base32 characters, got 12");
  EXPECT_EQ(parse_error("magnet:?xt=urn:btih:" + std::string(39, '0') + "g"),
            "magnet: btih is not valid hex");
  EXPECT_EQ(parse_error("magnet:?xt=urn:btih:" + std::string(31, 'A') + "1"),
            "magnet: btih is not valid base32");
  EXPECT_EQ(parse_error(link("&xt=urn:btih:") + std::string(40, '0')),
            "magnet: two different btih values");
  EXPECT_TRUE(Magnet::parse(link("&xt=urn:btih:") + kHex));  // the same one twice is fine
  EXPECT_EQ(parse_error("magnet:?xt=urn:btmh:1114" + std::string(64, '0')),
            "magnet: btmh must be a SHA-256 multihash: 1220 and 64 hex digits");
  EXPECT_EQ(parse_error("magnet:?xt=urn:btmh:1220" + std::string(62, '0')),
            "magnet: btmh must be a SHA-256 multihash: 1220 and 64 hex digits");
  EXPECT_EQ(parse_error("magnet:?xt=urn:btmh:1220" + std::string(63, '0') + "z"),
            "magnet: btmh is not valid hex");
  EXPECT_EQ(parse_error(std::string("magnet:?xt=urn:btmh:1220") + kV2Hex + "&xt=urn:btmh:1220" +
                        std::string(64, 'f')),
            "magnet: two different btmh values");
}

TEST(Magnet, BadPercentEscapes) {
  // Positions are 0-based byte offsets of the bad % in the link; link("") is 60 bytes.
  EXPECT_EQ(parse_error(link("&dn=ab%zz")), "magnet: bad percent-escape at position 66");
  EXPECT_EQ(parse_error(link("&dn=ab%4")), "magnet: bad percent-escape at position 66");
  EXPECT_EQ(parse_error(link("&dn=%")), "magnet: bad percent-escape at position 64");
  EXPECT_EQ(parse_error("magnet:?xt=urn%3Gbtih"), "magnet: bad percent-escape at position 14");
  EXPECT_EQ(parse_error(link("&unknown=%%41")), "magnet: bad percent-escape at position 69");
  // An escaped xt value is decoded before it is read.
  EXPECT_EQ(parse_ok(std::string("magnet:?xt=urn%3Abtih%3A") + kHex).info_hash.v1_hex(), kHex);
}

TEST(Magnet, EmptySegmentsAreSkipped) {
  EXPECT_EQ(parse_ok(std::string("magnet:?&&xt=urn:btih:") + kHex + "&&dn=x&").display_name, "x");
}

TEST(Magnet, FormatParseRoundTrip) {
  Magnet m;
  m.info_hash = *InfoHash::from_v1_hex(kHex);
  m.info_hash.v2 = InfoHash::from_v2_hex(kV2Hex)->v2;
  m.display_name = "name with & and = and % and + and #, ünïcödé";
  m.trackers = {"udp://tracker.example:80/announce", "http://t.example/ann?passkey=a&b"};
  m.web_seeds = {"https://example.com/a b"};
  m.peers = {*Endpoint::parse("10.0.0.1:1"), *Endpoint::parse("[fe80::1]:2")};
  m.peer_hosts = {*HostPort::parse("example.net:3")};
  m.select_only = {0, 1, 2, 5, 7, 8, 4294967295u};
  m.unknown = {{"xl", "10"}, {"x.custom", "&=%"}};
  std::string text = m.to_string();
  EXPECT_EQ(text.find(' '), std::string::npos);
  EXPECT_EQ(text.find('#'), std::string::npos);
  Magnet back = parse_ok(text);
  EXPECT_EQ(back, m);
  EXPECT_EQ(back.to_string(), text);
}

TEST(Magnet, RealWorldStyleLinks) {
  Magnet m = parse_ok(
      "magnet:?xt=urn:btih:631a31dd0a46257d5078c0dee4e66e26f73e42ac"
      "&xt=urn:btmh:1220d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb"
      "&dn=bittorrent-v1-v2-hybrid-test");
  EXPECT_EQ(m.display_name, "bittorrent-v1-v2-hybrid-test");
  EXPECT_TRUE(m.info_hash.v1 && m.info_hash.v2);
  EXPECT_EQ(parse_ok(m.to_string()), m);
}

}  // namespace
}  // namespace btnode

#include "core/endpoint.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <unordered_set>

namespace btnode {
namespace {

Endpoint ep(std::string_view text) {
  auto e = Endpoint::parse(text);
  EXPECT_TRUE(e) << text << ": " << (e ? "" : e.error().message);
  return e ? *e : Endpoint{};
}

TEST(Endpoint, ParsesAndPrintsIPv4) {
  Endpoint e = ep("1.2.3.4:6881");
  EXPECT_TRUE(e.is_v4());
  EXPECT_EQ(e.port(), 6881);
  EXPECT_EQ(e.address_bytes(), "\x01\x02\x03\x04");
  EXPECT_EQ(e.to_string(), "1.2.3.4:6881");
  EXPECT_EQ(e.address_string(), "1.2.3.4");
  EXPECT_EQ(ep("255.255.255.255:65535").to_string(), "255.255.255.255:65535");
  EXPECT_EQ(ep("0.0.0.0:0").to_string(), "0.0.0.0:0");
}

TEST(Endpoint, ParsesAndPrintsIPv6Canonically) {
  Endpoint e = ep("[::1]:6881");
  EXPECT_TRUE(e.is_v6());
  EXPECT_EQ(e.to_string(), "[::1]:6881");
  EXPECT_EQ(e.address_bytes().size(), 16u);
  // RFC 5952: lower case, longest zero run compressed, no leading zeros.
  EXPECT_EQ(ep("[2001:0DB8:0000:0000:0000:0000:0000:0001]:1").to_string(), "[2001:db8::1]:1");
  EXPECT_EQ(ep("[::ffff:1.2.3.4]:80").to_string(), "[::ffff:1.2.3.4]:80");
}

TEST(Endpoint, RoundTripsThroughText) {
  for (const char* text : {"1.2.3.4:6881", "10.0.0.1:1", "[::1]:6881", "[2001:db8::1:0:0:1]:443",
                           "[fe80::1]:65535", "[::]:0", "[::ffff:127.0.0.1]:9"}) {
    EXPECT_EQ(ep(text).to_string(), text);
    EXPECT_EQ(ep(ep(text).to_string()), ep(text));
  }
}

TEST(Endpoint, RejectsMalformedText) {
  for (const char* text : {"",
                           "1.2.3.4",
                           "1.2.3.4:",
                           "1.2.3.4:65536",
                           "1.2.3.4:-1",
                           "1.2.3.4:+80",
                           "1.2.3.4:0x50",
                           "1.2.3.4:6881 ",
                           " 1.2.3.4:6881",
                           "1.2.3.4:123456",
                           "::1:6881",
                           "[::1]6881",
                           "[::1",
                           "[::1]:",
                           "[1.2.3.4]:80",
                           "[]:80",
                           "01.2.3.4:80",
                           "1.2.3:80",
                           "1.2.3.4.5:80",
                           "256.1.1.1:80",
                           "[fe80::1%eth0]:80",
                           "[::1::2]:80",
                           "example.com:80",
                           ":80"}) {
    auto e = Endpoint::parse(text);
    ASSERT_FALSE(e) << text;
    EXPECT_EQ(e.error().message.rfind("endpoint: ", 0), 0u) << e.error().message;
  }
}

TEST(Endpoint, FromBytes) {
  auto v4 = Endpoint::from_address_bytes(std::string_view("\x7f\x00\x00\x01", 4), 80);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:80");
  auto v6 = Endpoint::from_address_bytes(std::string(15, '\0') + "\x01", 80);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "[::1]:80");
  EXPECT_FALSE(Endpoint::from_address_bytes("abc", 1));
  EXPECT_FALSE(Endpoint::from_address_bytes(std::string(5, '\0'), 1));
  EXPECT_EQ(Endpoint::v4({1, 2, 3, 4}, 5), ep("1.2.3.4:5"));
  EXPECT_EQ(ep("1.2.3.4:5").with_port(6), ep("1.2.3.4:6"));
}

TEST(Endpoint, OrderingAndEquality) {
  EXPECT_EQ(ep("1.2.3.4:1"), ep("1.2.3.4:1"));
  EXPECT_NE(ep("1.2.3.4:1"), ep("1.2.3.4:2"));
  EXPECT_NE(ep("1.2.3.4:1"), ep("[::ffff:1.2.3.4]:1"));  // no silent unmapping
  EXPECT_LT(ep("1.2.3.4:9"), ep("1.2.3.5:1"));           // address before port
  EXPECT_LT(ep("1.2.3.4:1"), ep("1.2.3.4:2"));
  EXPECT_LT(ep("255.255.255.255:65535"), ep("[::]:0"));  // IPv4 before IPv6
  std::set<Endpoint> s{ep("[::1]:1"), ep("1.1.1.1:1"), ep("1.1.1.1:1")};
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.begin()->to_string(), "1.1.1.1:1");
}

TEST(Endpoint, HashAgreesWithEquality) {
  EXPECT_EQ(ep("1.2.3.4:1").hash(), ep("1.2.3.4:1").hash());
  EXPECT_EQ(std::hash<Endpoint>{}(ep("[::1]:1")), ep("[::1]:1").hash());
  std::unordered_set<Endpoint> set;
  for (int port = 0; port < 1000; ++port) set.insert(Endpoint::v4({10, 0, 0, 1}, port));
  for (int port = 0; port < 1000; ++port) set.insert(Endpoint::v4({10, 0, 0, 1}, port));
  EXPECT_EQ(set.size(), 1000u);
  // Family is part of the key: 1.2.3.4 and 0102:0304:: share address bytes.
  EXPECT_NE(Endpoint::v4({1, 2, 3, 4}, 1), ep("[102:304::]:1"));
  EXPECT_NE(Endpoint::v4({1, 2, 3, 4}, 1).hash(), ep("[102:304::]:1").hash());
}

TEST(Endpoint, V4Mapped) {
  Endpoint mapped = ep("[::ffff:192.168.1.2]:7");
  EXPECT_TRUE(mapped.is_v4_mapped());
  EXPECT_EQ(mapped.unmapped(), ep("192.168.1.2:7"));
  EXPECT_FALSE(ep("[::1]:7").is_v4_mapped());
  EXPECT_EQ(ep("[::1]:7").unmapped(), ep("[::1]:7"));
  EXPECT_FALSE(ep("1.2.3.4:7").is_v4_mapped());
  EXPECT_TRUE(mapped.is_private());
}

struct Class {
  const char* text;
  bool loopback, priv, link_local, multicast, unspecified, martian;
};

TEST(Endpoint, Classification) {
  const Class cases[] = {
      // text                      loop   priv   link   mcast  unspec martian
      {"127.0.0.1:1", true, false, false, false, false, true},
      {"127.255.0.9:1", true, false, false, false, false, true},
      {"10.1.2.3:1", false, true, false, false, false, true},
      {"172.16.0.1:1", false, true, false, false, false, true},
      {"172.31.255.255:1", false, true, false, false, false, true},
      {"172.32.0.1:1", false, false, false, false, false, false},
      {"192.168.0.1:1", false, true, false, false, false, true},
      {"169.254.1.1:1", false, false, true, false, false, true},
      {"224.0.0.1:1", false, false, false, true, false, true},
      {"0.0.0.0:1", false, false, false, false, true, true},
      {"0.1.2.3:1", false, false, false, false, false, true},
      {"100.64.0.1:1", false, false, false, false, false, true},
      {"100.128.0.1:1", false, false, false, false, false, false},
      {"192.0.2.1:1", false, false, false, false, false, true},
      {"198.18.0.1:1", false, false, false, false, false, true},
      {"198.19.255.255:1", false, false, false, false, false, true},
      {"198.20.0.1:1", false, false, false, false, false, false},
      {"198.51.100.7:1", false, false, false, false, false, true},
      {"203.0.113.7:1", false, false, false, false, false, true},
      {"240.0.0.1:1", false, false, false, false, false, true},
      {"255.255.255.255:1", false, false, false, false, false, true},
      {"8.8.8.8:1", false, false, false, false, false, false},
      {"1.1.1.1:1", false, false, false, false, false, false},
      {"[::1]:1", true, false, false, false, false, true},
      {"[::]:1", false, false, false, false, true, true},
      {"[fd00::1]:1", false, true, false, false, false, true},
      {"[fc00::1]:1", false, true, false, false, false, true},
      {"[fe80::1]:1", false, false, true, false, false, true},
      {"[ff02::1]:1", false, false, false, true, false, true},
      {"[2001:db8::1]:1", false, false, false, false, false, true},
      {"[3fff::1]:1", false, false, false, false, false, true},
      {"[4000::1]:1", false, false, false, false, false, true},
      {"[2001:4860:4860::8888]:1", false, false, false, false, false, false},
      {"[2a00:1450::1]:1", false, false, false, false, false, false},
      {"[::ffff:127.0.0.1]:1", true, false, false, false, false, true},
      {"[::ffff:8.8.8.8]:1", false, false, false, false, false, false},
  };
  for (const auto& c : cases) {
    Endpoint e = ep(c.text);
    EXPECT_EQ(e.is_loopback(), c.loopback) << c.text;
    EXPECT_EQ(e.is_private(), c.priv) << c.text;
    EXPECT_EQ(e.is_link_local(), c.link_local) << c.text;
    EXPECT_EQ(e.is_multicast(), c.multicast) << c.text;
    EXPECT_EQ(e.is_unspecified(), c.unspecified) << c.text;
    EXPECT_EQ(e.is_martian(), c.martian) << c.text;
  }
}

// ------------------------------------------------------------------ HostPort

TEST(HostPort, ParsesNamesAndLiterals) {
  auto name = HostPort::parse("router.bittorrent.com:6881");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "router.bittorrent.com");
  EXPECT_EQ(name->port, 6881);
  EXPECT_FALSE(name->endpoint());
  EXPECT_EQ(name->to_string(), "router.bittorrent.com:6881");

  auto v4 = HostPort::parse("1.2.3.4:80");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->endpoint(), ep("1.2.3.4:80"));

  auto v6 = HostPort::parse("[2001:db8::1]:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->to_string(), "[2001:db8::1]:80");
  EXPECT_EQ(v6->endpoint(), ep("[2001:db8::1]:80"));
}

TEST(HostPort, RejectsBadHosts) {
  for (const char* text :
       {"host", "host:", ":1", "ho st:1", "host/x:1", "[host]:1", "a:b:1", "host:65536", "[::1]"}) {
    EXPECT_FALSE(HostPort::parse(text)) << text;
  }
  EXPECT_TRUE(HostPort::parse(std::string(253, 'a') + ":1"));
  EXPECT_FALSE(HostPort::parse(std::string(254, 'a') + ":1"));
}

}  // namespace
}  // namespace btnode

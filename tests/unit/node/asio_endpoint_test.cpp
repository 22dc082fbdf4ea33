#include "node/asio_endpoint.h"

#include <gtest/gtest.h>

namespace btnode::node {
namespace {

TEST(AsioEndpoint, RoundTripsV4AndV6) {
  for (const char* text :
       {"127.0.0.5:6881", "203.0.113.9:1", "[::1]:6881", "[2001:db8::7]:65535"}) {
    const auto e = Endpoint::parse(text);
    ASSERT_TRUE(e) << text;
    const auto asio_endpoint = to_asio_udp(*e);
    EXPECT_EQ(asio_endpoint.port(), e->port());
    EXPECT_EQ(from_asio(asio_endpoint), *e) << text;
  }
}

TEST(AsioEndpoint, KeepsV4MappedAddressesForTheCallerToUnmap) {
  const auto mapped = asio::ip::make_address("::ffff:198.51.100.1");
  const Endpoint e = from_asio(mapped, 6881);
  EXPECT_TRUE(e.is_v4_mapped());
  EXPECT_EQ(e.unmapped().to_string(), "198.51.100.1:6881");
}

}  // namespace
}  // namespace btnode::node

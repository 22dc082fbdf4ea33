#include "node/http_fetcher.h"

#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>
#include <optional>

#include "node/tracker_server.h"

namespace btnode::node {
namespace {

using namespace std::chrono_literals;

std::optional<HttpResult> fetch(asio::io_context& io, HttpFetcher& http, HttpRequest req) {
  std::optional<HttpResult> out;
  http.get(std::move(req), [&](HttpResult r) { out = std::move(r); });
  auto end = std::chrono::steady_clock::now() + 5s;
  while (!out && std::chrono::steady_clock::now() < end) io.run_one_for(50ms);
  return out;
}

struct Fixture : ::testing::Test {
  asio::io_context io;
  std::unique_ptr<TrackerServer> server;
  std::string base;
  void SetUp() override {
    TrackerServerOptions so;
    so.bind = {*Endpoint::from_address("127.0.2.80", 0)};
    server = std::make_unique<TrackerServer>(io, so);
    ASSERT_TRUE(server->start());
    base = "http://127.0.2.80:" + std::to_string(server->port());
  }
};

using HttpFetcherTest = Fixture;

TEST_F(HttpFetcherTest, ReturnsStatusAndBody) {
  HttpFetcher http(io);
  auto r = fetch(io, http, {base + "/announce?x=1"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->error.empty()) << r->error;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "d14:failure reason17:missing info_hashe");
  auto missing = fetch(io, http, {base + "/nothing"});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpFetcherTest, BodyLargerThanTheBoundIsAnError) {
  HttpFetcher http(io);
  HttpRequest req{base + "/announce"};
  req.max_body = 10;
  auto r = fetch(io, http, req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, "response larger than 10 bytes");
}

TEST_F(HttpFetcherTest, ASilentServerTimesOut) {
  // Connections queue in the kernel's backlog; nobody ever answers.
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.2.81"), 0});
  HttpFetcher http(io);
  HttpRequest req{"http://127.0.2.81:" + std::to_string(silent.local_endpoint().port()) + "/a"};
  req.timeout = 300ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = fetch(io, http, req);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->error.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(HttpFetcherTest, CallbacksOfADestroyedFetcherNeverRun) {
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.2.82"), 0});
  bool ran = false;
  {
    HttpFetcher http(io);
    http.get({"http://127.0.2.82:" + std::to_string(silent.local_endpoint().port()) + "/a"},
             [&](HttpResult) { ran = true; });
  }
  io.run_for(200ms);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace btnode::node

// One scrape (BEP 48 over HTTP(S), BEP 15 over UDP) of a tracker for a list
// of info-hashes: how many seeders, leechers and completed downloads it
// knows. Used by `btnode scrape` and by TrackerAnnouncer (after a successful
// announce, for the swarm size shown in the progress).
//
//   TrackerScraper s(io, http, options);
//   s.scrape(url, hashes, [](Result<std::vector<tracker::ScrapeEntry>> r) {...});
//
// Destroying the scraper cancels what is in flight; its callback never runs.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/result.h"
#include "node/http_fetcher.h"
#include "node/udp_socket.h"
#include "tracker/udp_exchange.h"

namespace btnode::node {

struct TrackerScraperOptions {
  std::optional<Endpoint> bind;                   // local address (HTTP and UDP)
  std::chrono::milliseconds http_timeout{20'000};
  std::string ca_file;                            // see HttpRequest::ca_file
  // BEP 15 schedule: 15 * 2^n s, n = 0..max_retries.
  tracker::UdpExchangeOptions udp{};
};

class TrackerScraper {
 public:
  using Done = std::function<void(Result<std::vector<tracker::ScrapeEntry>>)>;

  TrackerScraper(asio::io_context& io, HttpFetcher& http, TrackerScraperOptions options);
  ~TrackerScraper();
  TrackerScraper(const TrackerScraper&) = delete;
  TrackerScraper& operator=(const TrackerScraper&) = delete;

  // One scrape at a time; a second call while one runs fails at once. The
  // entries come in the order of `hashes` (a hash the tracker does not know
  // is absent over HTTP and all-zero over UDP). UDP scrapes carry at most 74
  // hashes (BEP 15); the rest are left out.
  // `cached` is a UDP connection id to reuse (BEP 15: for one minute).
  void scrape(const std::string& url, std::vector<tracker::Hash20> hashes, Done done,
              std::optional<tracker::ConnectionId> cached = std::nullopt);
  bool busy() const { return busy_; }
  // The connection id of the last UDP exchange, for reuse.
  const std::optional<tracker::ConnectionId>& connection() const { return connection_; }

 private:
  void scrape_http(const std::string& url, const std::vector<tracker::Hash20>& hashes);
  void scrape_udp(Endpoint to, std::vector<tracker::Hash20> hashes,
                  std::optional<tracker::ConnectionId> cached);
  void pump_udp();
  void finish(Result<std::vector<tracker::ScrapeEntry>> r);

  asio::io_context& io_;
  HttpFetcher& http_;
  TrackerScraperOptions options_;
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_;
  std::unique_ptr<UdpSocket> socket_;
  std::unique_ptr<tracker::UdpExchange> exchange_;
  Endpoint udp_to_;
  std::optional<tracker::ConnectionId> connection_;
  bool busy_ = false;
  Done done_;
};

}  // namespace btnode::node

// Announces one torrent to its trackers (BEP 3 HTTP(S), BEP 15 UDP) tier by
// tier (BEP 12) on the schedule of tracker::AnnounceSchedule, and hands the
// peers it learns to the owner. The owner supplies the transfer counters.
//
//   TrackerAnnouncer a(io, fetcher, options);
//   a.start();            // `started`, then every interval
//   a.on_complete();      // `completed` once
//   a.stop(done);         // (`completed` if pending, then) `stopped` to the
//                         // tracker that last answered
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "node/http_fetcher.h"
#include "node/udp_socket.h"
#include "tracker/announce_schedule.h"
#include "tracker/tier_list.h"
#include "tracker/udp_exchange.h"

namespace btnode::node {

struct TransferCounters {
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t left = 0;
};

struct TrackerAnnouncerOptions {
  std::vector<std::vector<std::string>> tiers;  // BEP 12 announce-list (or {{announce}})
  tracker::Hash20 info_hash{};
  PeerId peer_id;
  std::uint16_t port = 0;
  std::function<TransferCounters()> counters;
  // Every peer a tracker returns (bounded by max_peers per answer).
  std::function<void(const std::vector<Endpoint>&)> on_peers;
  // Local address for tracker traffic (HTTP and UDP); unset: any.
  std::optional<Endpoint> bind;
  // Loopback/private peers are kept only with allow_local.
  bool allow_local = false;
  std::int32_t numwant = 200;
  std::size_t max_peers = tracker::kDefaultMaxPeers;
  std::chrono::milliseconds http_timeout{20'000};
  std::string ca_file;  // https:// trackers are verified against it (see HttpRequest)
  // BEP 15's schedule: retransmit after 15 * 2^n s, n = 0..8 (the last try
  // times out after 3840 s). While another tracker is left to try in this
  // round, a UDP tracker gets only n = 0..udp_fallthrough_retries (15 + 30 +
  // 60 s) so one dead tracker cannot stall the others; the last one left
  // keeps the whole schedule.
  tracker::UdpExchangeOptions udp{std::chrono::seconds(15), 8, tracker::kDefaultMaxPeers};
  int udp_fallthrough_retries = 2;
  std::chrono::milliseconds stop_timeout{3'000};
};

class TrackerAnnouncer {
 public:
  TrackerAnnouncer(asio::io_context& io, HttpFetcher& http, TrackerAnnouncerOptions options);
  ~TrackerAnnouncer();
  TrackerAnnouncer(const TrackerAnnouncer&) = delete;
  TrackerAnnouncer& operator=(const TrackerAnnouncer&) = delete;

  // Call once the content is checked, so `left` is known.
  void start();
  void on_complete();
  // Announce early if the min interval allows (few peers).
  void hurry();
  // Sends `stopped` (bounded by stop_timeout) and then calls `done`.
  void stop(std::function<void()> done);

  std::size_t successes() const { return successes_; }

 private:
  using Clock = std::chrono::steady_clock;
  void arm_timer();
  void begin_round();
  void try_tracker(tracker::TierPosition at);
  void announce_http(const std::string& url, tracker::Event event,
                     std::function<void(Result<tracker::AnnounceResponse>)> done);
  void announce_udp(const HostPort& host, tracker::Event event, int max_retries,
                    std::function<void(Result<tracker::AnnounceResponse>)> done);
  void run_udp(Endpoint tracker_ep, tracker::Event event, int max_retries,
               std::function<void(Result<tracker::AnnounceResponse>)> done);
  void pump_udp();
  void finish_udp();
  void send_final(tracker::Event event, std::function<void()> finish);
  tracker::AnnounceRequest request(tracker::Event event) const;
  void on_result(tracker::TierPosition at, Result<tracker::AnnounceResponse> r);
  void deliver(const tracker::AnnounceResponse& r);
  UdpSocket* udp_socket(Endpoint::Family family);

  asio::io_context& io_;
  HttpFetcher& http_;
  TrackerAnnouncerOptions options_;
  tracker::TierList tiers_;
  std::optional<tracker::AnnounceSchedule> schedule_;  // from start()
  asio::steady_timer timer_;
  asio::steady_timer udp_timer_;
  std::shared_ptr<bool> alive_;
  bool busy_ = false;
  bool stopping_ = false;
  std::string last_good_;
  std::size_t successes_ = 0;
  std::string tracker_id_;
  std::map<Endpoint, tracker::ConnectionId> connection_ids_;
  std::unique_ptr<UdpSocket> udp4_, udp6_;
  // The UDP exchange in flight (one at a time).
  struct UdpRun {
    Endpoint to;
    std::unique_ptr<tracker::UdpExchange> exchange;
    std::function<void(Result<tracker::AnnounceResponse>)> done;
  };
  std::optional<UdpRun> udp_run_;
  std::uint32_t key_;
};

}  // namespace btnode::node

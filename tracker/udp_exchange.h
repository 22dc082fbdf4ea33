// One UDP tracker exchange (BEP 15) as a sans-I/O state machine: connect
// (unless a connection id younger than a minute is known), then one announce
// or scrape, retransmitting after 15 * 2^n seconds (n = 0, 1, ... up to
// max_retries). The caller moves datagrams and time in:
//
//   while (auto d = ex.take_datagram(now)) socket.send(d);
//   on a datagram from the tracker: ex.on_datagram(bytes, now);
//   at ex.deadline():               ex.on_timeout(now);
//   until ex.finished().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tracker/announce.h"
#include "tracker/udp_codec.h"

namespace btnode::tracker {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

// BEP 15: a connection id may be used for one minute after it was received.
struct ConnectionId {
  std::uint64_t id = 0;
  TimePoint received;
  bool usable_at(TimePoint now) const { return now - received < std::chrono::minutes(1); }
};

struct UdpExchangeOptions {
  Duration first_timeout = std::chrono::seconds(15);
  int max_retries = 8;  // BEP 15's n goes up to 8 (3840 s)
  std::size_t max_peers = kDefaultMaxPeers;
};

class UdpExchange {
 public:
  using Query = std::variant<AnnounceRequest, std::vector<Hash20>>;  // announce or scrape
  enum class State { connecting, requesting, done, failed };

  UdpExchange(Query query, Endpoint::Family family, UdpExchangeOptions options = {},
              std::optional<ConnectionId> cached = std::nullopt);

  // The datagram to send now, if one is due (first call, after a reply, after
  // a timeout).
  std::optional<std::string> take_datagram(TimePoint now);
  // When on_timeout must be called if no answer came.
  TimePoint deadline() const { return deadline_; }
  void on_timeout(TimePoint now);
  // Garbage and replies to other transactions are ignored.
  void on_datagram(std::string_view bytes, TimePoint now);

  State state() const { return state_; }
  bool finished() const { return state_ == State::done || state_ == State::failed; }
  // For the caller's per-tracker cache.
  const std::optional<ConnectionId>& connection() const { return connection_; }

  // Valid once state() is done: the announce answer, or the scrape entries.
  const AnnounceResponse& announce_result() const { return announce_; }
  const std::vector<ScrapeEntry>& scrape_result() const { return scrape_; }
  // Valid once state() is failed: "udp tracker: ..." one line.
  const std::string& error() const { return error_; }

 private:
  void on_reply(udp::Reply reply, TimePoint now);
  void finish_scrape(std::vector<ScrapeEntry> entries);

  Query query_;
  Endpoint::Family family_;
  UdpExchangeOptions options_;
  std::optional<ConnectionId> connection_;
  State state_ = State::connecting;
  bool send_due_ = true;
  int attempt_ = 0;
  std::uint32_t transaction_ = 0;
  TimePoint deadline_{};
  AnnounceResponse announce_;
  std::vector<ScrapeEntry> scrape_;
  std::string error_;
};

}  // namespace btnode::tracker

// UDP tracker protocol (BEP 15) messages, both directions. All integers are
// big-endian. An announce answer's peers are 6-byte (IPv4) or 18-byte (IPv6)
// entries, by the address family the exchange runs over (BEP 15, IPv6).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"
#include "tracker/announce.h"

namespace btnode::tracker::udp {

inline constexpr std::uint64_t kProtocolId = 0x41727101980;  // BEP 15 connect magic
enum class Action : std::uint32_t { connect = 0, announce = 1, scrape = 2, error = 3 };
// BEP 15: at most ~74 info-hashes fit in one scrape.
inline constexpr std::size_t kMaxScrapeHashes = 74;

// Client -> tracker.
std::string encode_connect(std::uint32_t transaction);
std::string encode_announce(std::uint64_t connection, std::uint32_t transaction,
                            const AnnounceRequest& request);
std::string encode_scrape(std::uint64_t connection, std::uint32_t transaction,
                          std::span<const Hash20> hashes);

// Tracker -> client.
struct ConnectReply {
  std::uint64_t connection = 0;
};
struct ErrorReply {
  std::string message;
};
struct Reply {
  std::uint32_t transaction = 0;
  std::variant<ConnectReply, AnnounceResponse, std::vector<ScrapeEntry>, ErrorReply> body;
};
// `family` selects the peer size. Scrape entries come without their hashes:
// they answer the asked hashes in order.
Result<Reply> decode_reply(std::string_view bytes, Endpoint::Family family,
                           std::size_t max_peers = kDefaultMaxPeers);

// The tracker's side.
struct ConnectRequest {};
struct AnnounceMessage {
  std::uint64_t connection = 0;
  AnnounceRequest request;
};
struct ScrapeMessage {
  std::uint64_t connection = 0;
  std::vector<Hash20> hashes;
};
struct Request {
  std::uint32_t transaction = 0;
  std::variant<ConnectRequest, AnnounceMessage, ScrapeMessage> body;
};
Result<Request> decode_request(std::string_view bytes);

std::string encode_connect_reply(std::uint32_t transaction, std::uint64_t connection);
// Peers of the other family than `family` are skipped.
std::string encode_announce_reply(std::uint32_t transaction, const AnnounceResponse& response,
                                  Endpoint::Family family);
std::string encode_scrape_reply(std::uint32_t transaction, std::span<const ScrapeEntry> entries);
std::string encode_error(std::uint32_t transaction, std::string_view message);

}  // namespace btnode::tracker::udp

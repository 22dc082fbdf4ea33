// MetadataFetch: the first phase of a magnet download (BEP 9). Before the
// info dict is known there is no Torrent, no storage and no piece geometry;
// this object dials the peers it is given (DHT, x.pe, --peer, PEX), does the
// BEP 10 extended handshake, and asks every peer that offers ut_metadata for
// metadata pieces in parallel (each missing piece from one peer; a piece
// outstanding longer than `rerequest_after` may be asked of a second peer).
//
// The wire::MetadataAssembler checks the SHA-1 (or SHA-256) of the whole dict
// against the info-hash. Policies against hostile peers:
//   - metadata_size above `max_size` (16 MiB) or a malformed ut_metadata
//     message: the peer is dropped and never asked again;
//   - a peer that holds a request longer than `peer_timeout`, or rejects:
//     dropped, redialled later with backoff (it may get the metadata later);
//   - a hash mismatch: a lone contributor is banned; with several, each gets a
//     strike (two strikes ban) and the next attempt takes every piece from a
//     single peer, so the liar is convicted on its own.
// When the dict is verified and parses, `on_metadata` gets it together with
// every peer known so far and the handshaken connections, which are not
// closed: the owner starts the Torrent and gives them to it (Torrent::adopt,
// so the download goes on over the same connections instead of redialling),
// closes those it does not keep (detach_and_close), and destroys this object.
// Until then they report to no one.
//
// Network thread only (node/ is the I/O layer).
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "core/metainfo.h"
#include "node/peer_connection.h"
#include "wire/metadata_assembler.h"

namespace btnode::node {

// The ids we ask peers to send our extensions on (BEP 10 `m`). The same
// numbers are used before and after the metadata is known.
inline constexpr std::uint8_t kOurUtPexId = 1;
inline constexpr std::uint8_t kOurUtMetadataId = 2;

struct MetadataFetchOptions {
  std::size_t max_connections = 24;
  std::uint32_t max_size = 16 * 1024 * 1024;
  std::uint32_t requests_per_peer = 8;  // metadata pieces outstanding per peer
  std::chrono::milliseconds peer_timeout{10'000};
  std::chrono::milliseconds rerequest_after{2'000};
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
  std::uint16_t listen_port = 0;  // told to peers in the extended handshake
};

struct MetadataFetchStats {
  std::size_t peers_known = 0;
  std::size_t connected = 0;           // handshaked connections
  std::size_t with_metadata = 0;       // of those, offering ut_metadata
  std::uint32_t pieces_have = 0;       // of the current attempt
  std::uint32_t pieces_total = 0;      // 0 until a peer told the size
  std::uint32_t hash_failures = 0;     // attempts that failed the hash check
  std::size_t banned = 0;
};

class MetadataFetch : public PeerConnectionHandler {
 public:
  using OnMetadata = std::function<void(Metainfo, std::vector<Endpoint> peers,
                                        std::vector<std::shared_ptr<PeerConnection>> connections)>;
  using OnError = std::function<void(const std::string&)>;

  MetadataFetch(asio::io_context& io, InfoHash info_hash, PeerConnectionOptions connection,
                MetadataFetchOptions options, OnMetadata on_metadata, OnError on_error);
  ~MetadataFetch() override;
  MetadataFetch(const MetadataFetch&) = delete;
  MetadataFetch& operator=(const MetadataFetch&) = delete;

  void start();
  void add_peer(const Endpoint& peer);
  // Accepts an incoming connection for this info-hash (before the metadata).
  std::optional<PeerAttach> attach(PeerConnection& peer);
  // Closes every connection; no callback runs afterwards.
  void stop();

  MetadataFetchStats stats() const;
  const InfoHash& info_hash() const { return info_hash_; }

  // PeerConnectionHandler
  void on_peer_attached(PeerConnection& peer) override;
  void on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) override;
  void on_peer_closed(PeerConnection& peer, const std::string& reason) override;

 private:
  struct Known {
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::seconds backoff{0};
    bool connected = false;
    bool dialled_encrypted = false;  // MSE offered on the last dial
    bool plaintext_next = false;     // MSE `prefer` fell back: dial plain
  };
  struct Active {
    std::shared_ptr<PeerConnection> conn;
    std::optional<Endpoint> dialled;              // the known_ entry, for outgoing ones
    std::optional<std::uint8_t> ut_metadata;      // the peer's id for our requests
    std::uint32_t metadata_size = 0;              // what the peer said
    std::map<std::uint32_t, std::chrono::steady_clock::time_point> outstanding;
  };

  void tick();
  void arm_timer();
  void dial_due_peers();
  void on_extended_handshake(Active& a);
  void on_metadata_message(Active& a, std::string_view payload);
  void request_pieces();
  void drop(Active& a, const std::string& reason, bool ban);
  void on_hash_mismatch();
  void finish();
  bool is_banned(const Endpoint& e) const { return banned_.contains(e.with_port(0)); }

  asio::io_context& io_;
  InfoHash info_hash_;
  wire::WireHash wire_hash_;
  PeerConnectionOptions connection_options_;
  MetadataFetchOptions options_;
  OnMetadata on_metadata_;
  OnError on_error_;
  asio::steady_timer timer_;
  bool stopped_ = false;
  std::map<Endpoint, Known> known_;
  std::map<PeerConnection*, Active> active_;
  std::set<Endpoint> banned_;                        // addresses, port 0
  std::map<Endpoint, int> strikes_;                  // addresses, port 0
  std::optional<wire::MetadataAssembler> assembler_;
  std::optional<PeerConnection*> single_source_;     // after a mixed hash failure
  bool single_source_mode_ = false;
  std::uint32_t hash_failures_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace btnode::node

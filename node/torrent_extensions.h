// TorrentExtensions: the BEP 10 extensions a Torrent speaks once it has its
// metadata — ut_metadata (BEP 9: we serve the info dict to peers fetching it
// for a magnet link) and ut_pex (BEP 11: peers we are connected to, sent at
// most once a minute per peer, at most 50 added/dropped per message; peers
// learned from it go to the torrent, bounded per message; off for private
// torrents, BEP 27). Kept apart from torrent.cpp so the download logic and
// the extensions change independently; the Torrent calls the four hooks.
//
// Network thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/metainfo.h"
#include "node/peer_connection.h"
#include "pex/ut_pex.h"
#include "wire/extended_handshake.h"

namespace btnode::node {

struct ExtensionOptions {
  bool pex = true;  // ut_pex (always off for a private torrent)
  std::chrono::seconds pex_interval{60};
};

struct ExtensionStats {
  std::uint64_t metadata_pieces_served = 0;
  std::uint64_t pex_messages_sent = 0;
  std::uint64_t pex_messages_received = 0;
  std::uint64_t pex_peers_learned = 0;  // new endpoints handed to the torrent
};

class TorrentExtensions {
 public:
  // A peer learned by PEX, with its BEP 11 flags; true: a peer we did not know.
  using AddPeer = std::function<bool(const pex::PexPeer&)>;

  TorrentExtensions(const Metainfo& meta, ExtensionOptions options);

  // Our `m` dict and metadata_size, for the extended handshake.
  void fill_handshake(wire::ExtendedHandshake& ours) const;
  // An extended message on one of our ids.
  void on_message(PeerConnection& peer, std::uint8_t id, std::string_view payload,
                  const AddPeer& add_peer);
  // Sends what is due (PEX) to every attached peer in `peers`.
  void tick(const std::vector<PeerConnection*>& peers, std::chrono::steady_clock::time_point now);
  void on_closed(PeerConnection& peer);

  bool pex_enabled() const { return pex_enabled_; }
  const ExtensionStats& stats() const { return stats_; }

 private:
  void serve_metadata(PeerConnection& peer, std::string_view payload);
  void on_pex(PeerConnection& peer, std::string_view payload, const AddPeer& add_peer);

  const std::string& info_;
  ExtensionOptions options_;
  bool pex_enabled_;
  std::map<PeerConnection*, pex::PexSender> senders_;
  std::map<PeerConnection*, pex::PexReceiver> receivers_;
  ExtensionStats stats_;
};

}  // namespace btnode::node

// Session: the peer-wire side of a node. It owns the disk/hash WorkerPool,
// the TCP listener(s) on --bind/--listen, our peer id, and the torrents by
// info-hash. An accepted connection is handshaked first and then handed to
// the torrent its handshake names.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "core/result.h"
#include "node/peer_connection.h"
#include "node/torrent.h"
#include "storage/worker_pool.h"

namespace btnode::node {

struct SessionOptions {
  std::vector<Endpoint> bind;     // addresses with port 0; empty: all interfaces
  std::uint16_t listen_port = 0;  // 0: pick one
  std::size_t max_connections = 200;
  unsigned disk_threads = 0;         // 0: one per core
  PeerConnectionOptions connection;  // own_peer_id is filled in by the session
};

class Session {
 public:
  Session(asio::io_context& io, SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Binds and starts accepting. The port in use is listen_port() afterwards.
  Result<void> listen();
  std::uint16_t listen_port() const { return port_; }

  Torrent& add_torrent(Metainfo meta, TorrentOptions options, TorrentCallbacks callbacks);
  Torrent* find(const wire::WireHash& info_hash);
  // Stops every torrent (resume data saved) and the listener; `done` then runs.
  void stop(std::function<void()> done);

  const PeerId& peer_id() const { return options_.connection.own_peer_id; }
  // Our connection settings (peer id, extension bits, MSE policy).
  const PeerConnectionOptions& connection_options() const { return options_.connection; }
  // A magnet download still fetching its metadata has no Torrent yet; incoming
  // connections for its info-hash go to `decide` meanwhile (empty: refused).
  void set_metadata_handler(const wire::WireHash& info_hash, HandshakeDecision decide);
  storage::WorkerPool& pool() { return *pool_; }

 private:
  void accept(asio::ip::tcp::acceptor& acceptor);
  void on_accepted(asio::ip::tcp::socket socket);
  std::size_t connection_count() const;

  asio::io_context& io_;
  SessionOptions options_;
  std::unique_ptr<storage::WorkerPool> pool_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::uint16_t port_ = 0;
  std::map<wire::WireHash, std::unique_ptr<Torrent>> torrents_;
  std::map<wire::WireHash, HandshakeDecision> metadata_handlers_;
  // Accepted connections still in their handshake.
  std::map<PeerConnection*, std::shared_ptr<PeerConnection>> pending_;
};

}  // namespace btnode::node

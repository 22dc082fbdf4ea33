#include "node/session.h"

#include <spdlog/spdlog.h>

#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>

#include "node/asio_endpoint.h"
#include "wire/mse.h"

namespace btnode::node {
namespace {

Result<std::unique_ptr<asio::ip::tcp::acceptor>> open_acceptor(asio::io_context& io,
                                                               const asio::ip::address& address,
                                                               std::uint16_t port) {
  asio::ip::tcp::endpoint at(address, port);
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io);
  asio::error_code ec;
  acceptor->open(at.protocol(), ec);
  if (!ec) acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  // The unspecified v6 address also takes IPv4 peers (v4-mapped).
  if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor->bind(at, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen on " + at.address().to_string() + ":" + std::to_string(port) + ": " +
                ec.message());
  return acceptor;
}

}  // namespace

Session::Session(asio::io_context& io, SessionOptions options)
    : io_(io),
      options_(std::move(options)),
      pool_(std::make_unique<storage::WorkerPool>(options_.disk_threads)) {
  options_.connection.own_peer_id = make_peer_id();
  options_.connection.reserved.set_fast_extension(true);
  options_.connection.reserved.set_extension_protocol(true);
  // MSE receivers name the torrent only by HASH('req2', SKEY).
  options_.connection.find_skey = [this](const Sha1Digest& req2) -> std::optional<wire::MseSkey> {
    for (const auto& [hash, torrent] : torrents_) {
      if (wire::mse_req2_hash(hash) == req2) return hash;
    }
    for (const auto& [hash, decide] : metadata_handlers_) {
      if (wire::mse_req2_hash(hash) == req2) return hash;
    }
    return std::nullopt;
  };
}

Session::~Session() {
  for (auto& [raw, conn] : pending_) conn->close("session stopped");
  torrents_.clear();
}

Result<void> Session::listen() {
  std::vector<asio::ip::address> addresses;
  for (const auto& e : options_.bind) addresses.push_back(to_asio_address(e));
  if (addresses.empty()) addresses.push_back(asio::ip::address_v6::any());
  std::uint16_t port = options_.listen_port;
  for (const auto& address : addresses) {
    auto acceptor = open_acceptor(io_, address, port);
    if (!acceptor && options_.bind.empty())
      acceptor = open_acceptor(io_, asio::ip::address_v4::any(), port);
    if (!acceptor) return fail(acceptor.error());
    port = (*acceptor)->local_endpoint().port();  // every address on the one port
    acceptors_.push_back(std::move(*acceptor));
  }
  port_ = port;
  for (auto& acceptor : acceptors_) accept(*acceptor);
  spdlog::info("peer wire listening on TCP port {}", port_);
  return {};
}

void Session::accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const asio::error_code& ec, asio::ip::tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) on_accepted(std::move(s));
    accept(acceptor);
  });
}

void Session::on_accepted(asio::ip::tcp::socket socket) {
  std::erase_if(pending_, [](const auto& p) { return p.second->closed() || p.second->attached(); });
  if (connection_count() >= options_.max_connections) return;  // the socket closes here
  asio::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  auto accepts = [this](const wire::WireHash& h) {
    return find(h) != nullptr || metadata_handlers_.contains(h);
  };
  auto conn = PeerConnection::incoming(std::move(socket), accepts, options_.connection);
  pending_[conn.get()] = conn;
  conn->start([this](PeerConnection& c) -> std::optional<PeerAttach> {
    Torrent* torrent = find(c.peer_handshake().info_hash);
    if (torrent) return torrent->attach(c);
    auto it = metadata_handlers_.find(c.peer_handshake().info_hash);
    if (it != metadata_handlers_.end() && it->second) return it->second(c);
    return std::nullopt;
  });
}

std::size_t Session::connection_count() const {
  std::size_t n = pending_.size();
  for (const auto& [hash, torrent] : torrents_) n += torrent->stats().peers;
  return n;
}

Torrent& Session::add_torrent(Metainfo meta, TorrentOptions options, TorrentCallbacks callbacks) {
  auto hash = meta.info_hash.wire_id();
  if (options.listen_port == 0) options.listen_port = port_;
  auto torrent = std::make_unique<Torrent>(io_, *pool_, std::move(meta), std::move(options),
                                           options_.connection, std::move(callbacks));
  Torrent& ref = *torrent;
  torrents_[hash] = std::move(torrent);
  return ref;
}

void Session::set_metadata_handler(const wire::WireHash& info_hash, HandshakeDecision decide) {
  if (decide) {
    metadata_handlers_[info_hash] = std::move(decide);
  } else {
    metadata_handlers_.erase(info_hash);
  }
}

Torrent* Session::find(const wire::WireHash& info_hash) {
  auto it = torrents_.find(info_hash);
  return it == torrents_.end() ? nullptr : it->second.get();
}

void Session::stop(std::function<void()> done) {
  for (auto& acceptor : acceptors_) {
    asio::error_code ignored;
    acceptor->close(ignored);
  }
  for (auto& [raw, conn] : pending_) conn->close("session stopped");
  pending_.clear();
  auto remaining = std::make_shared<std::size_t>(torrents_.size());
  if (*remaining == 0) return asio::post(io_, std::move(done));
  for (auto& [hash, torrent] : torrents_) {
    torrent->stop([remaining, done] {
      if (--*remaining == 0) done();
    });
  }
}

}  // namespace btnode::node

#include "node/tracker_server.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <asio/ip/v6_only.hpp>
#include <asio/write.hpp>

#include "core/random.h"
#include "node/asio_endpoint.h"
#include "tracker/http_server_codec.h"
#include "tracker/udp_codec.h"

namespace btnode::node {

using Clock = std::chrono::steady_clock;

// One HTTP exchange: read the head (bounded), answer, close.
class TrackerServer::HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(TrackerServer& server, asio::ip::tcp::socket socket)
      : server_(server), socket_(std::move(socket)), deadline_(socket_.get_executor()),
        count_(server.open_connections_) {
    ++*count_;
  }
  ~HttpConnection() { --*count_; }

  void start() {
    asio::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    if (ec) return;
    from_ = from_asio(remote.address(), remote.port());
    deadline_.expires_after(server_.options_.http_deadline);
    deadline_.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (!e) self->socket_.close();
    });
    read();
  }

 private:
  static constexpr std::size_t kMaxHead = 8192;

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](
                                                       const asio::error_code& ec, std::size_t n) {
      if (ec) {
        self->deadline_.cancel();
        return;
      }
      self->head_.append(self->buffer_.data(), n);
      if (self->head_.find("\r\n\r\n") != std::string::npos || self->head_.size() > kMaxHead)
        return self->respond();
      self->read();
    });
  }

  void respond() {
    reply_ = server_.handle_http(head_, from_);
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this()](const asio::error_code&, std::size_t) {
                        asio::error_code ignored;
                        self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                        self->socket_.close(ignored);
                        self->deadline_.cancel();
                      });
  }

  TrackerServer& server_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  std::shared_ptr<std::size_t> count_;
  Endpoint from_;
  std::array<char, 2048> buffer_{};
  std::string head_;
  std::string reply_;
};

TrackerServer::TrackerServer(asio::io_context& io, TrackerServerOptions options)
    : io_(io),
      options_(std::move(options)),
      registry_(options_.swarm),
      expiry_timer_(io),
      open_connections_(std::make_shared<std::size_t>(0)) {
  random_bytes(secret_.data(), secret_.size());
}

TrackerServer::~TrackerServer() { stop(); }

Result<void> TrackerServer::start() {
  auto binds = options_.bind;
  if (binds.empty()) binds = {Endpoint::v6({}, 0), Endpoint::v4({}, 0)};
  std::uint16_t port = options_.port;
  for (const auto& b : binds) {
    auto local = b.with_port(port);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::error_code ec;
    auto ep = asio::ip::tcp::endpoint(to_asio_address(local), local.port());
    acceptor->open(ep.protocol(), ec);
    if (!ec && local.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("tracker: cannot listen on " + local.to_string() + ": " + ec.message());
    port = acceptor->local_endpoint().port();
    auto udp = std::make_unique<UdpSocket>(io_);
    if (auto r = udp->open(local.with_port(port)); !r) return r;
    UdpSocket* raw = udp.get();
    udp->start([this, raw](std::string_view bytes, const Endpoint& from) { on_udp(*raw, bytes, from); });
    accept(*acceptor);
    acceptors_.push_back(std::move(acceptor));
    udp_.push_back(std::move(udp));
  }
  port_ = port;
  schedule_expiry();
  return {};
}

void TrackerServer::stop() {
  expiry_timer_.cancel();
  for (auto& a : acceptors_) {
    asio::error_code ignored;
    a->close(ignored);
  }
  for (auto& u : udp_) u->close();
}

std::vector<Endpoint> TrackerServer::local_endpoints() const {
  std::vector<Endpoint> out;
  for (const auto& u : udp_) out.push_back(u->local_endpoint());
  return out;
}

TrackerServerStats TrackerServer::stats() const {
  auto s = stats_;
  s.torrents = registry_.torrent_count();
  s.peers = registry_.peer_count();
  return s;
}

void TrackerServer::accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const asio::error_code& ec, asio::ip::tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && *open_connections_ < options_.max_http_connections)
      std::make_shared<HttpConnection>(*this, std::move(s))->start();
    accept(acceptor);
  });
}

std::string TrackerServer::handle_http(const std::string& head, const Endpoint& from) {
  auto target = tracker::parse_http_get(head);
  if (!target || !target->has_value()) {
    ++stats_.errors;
    return tracker::http_response(400, "Bad Request", "");
  }
  const auto& t = **target;
  auto ends_with = [&](std::string_view s) {
    return t.path.size() >= s.size() && t.path.compare(t.path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with("/announce")) {
    auto q = tracker::parse_announce_query(t.query);
    if (!q) {
      ++stats_.errors;
      return tracker::http_response(200, "OK", tracker::encode_failure_body(q.error().message));
    }
    auto peer = from.unmapped().with_port(q->port);
    auto r = registry_.announce(*q, peer, Clock::now());
    if (!r) return tracker::http_response(200, "OK", tracker::encode_failure_body(r.error().message));
    ++stats_.http_announces;
    return tracker::http_response(200, "OK", tracker::encode_announce_body(*r, q->compact));
  }
  if (ends_with("/scrape")) {
    auto hashes = tracker::parse_scrape_query(t.query);
    if (!hashes)
      return tracker::http_response(200, "OK", tracker::encode_failure_body(hashes.error().message));
    ++stats_.scrapes;
    auto entries = registry_.scrape(*hashes);
    return tracker::http_response(200, "OK", tracker::encode_scrape_body(entries));
  }
  return tracker::http_response(404, "Not Found", "");
}

// BEP 15 connection ids without per-client state: a keyed hash of the
// client's address and the current minute, accepted for two minutes.
std::uint64_t TrackerServer::connection_id(const Endpoint& from, std::int64_t minute) const {
  std::string msg(from.unmapped().to_string());
  msg.append(reinterpret_cast<const char*>(&minute), sizeof minute);
  std::uint64_t out = 0;
  crypto_shorthash(reinterpret_cast<unsigned char*>(&out),
                   reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), secret_.data());
  return out;
}

bool TrackerServer::connection_ok(const Endpoint& from, std::uint64_t id) const {
  auto minute = std::chrono::duration_cast<std::chrono::minutes>(Clock::now().time_since_epoch()).count();
  return id == connection_id(from, minute) || id == connection_id(from, minute - 1);
}

void TrackerServer::on_udp(UdpSocket& socket, std::string_view bytes, const Endpoint& from) {
  auto request = tracker::udp::decode_request(bytes);
  if (!request) {
    ++stats_.errors;
    return;  // no answer to garbage: it could be a spoofed reflection
  }
  auto tx = request->transaction;
  if (std::holds_alternative<tracker::udp::ConnectRequest>(request->body)) {
    auto minute =
        std::chrono::duration_cast<std::chrono::minutes>(Clock::now().time_since_epoch()).count();
    socket.send(from, tracker::udp::encode_connect_reply(tx, connection_id(from, minute)));
    return;
  }
  if (auto* a = std::get_if<tracker::udp::AnnounceMessage>(&request->body)) {
    if (!connection_ok(from, a->connection))
      return void(socket.send(from, tracker::udp::encode_error(tx, "bad connection id")));
    auto peer = from.unmapped().with_port(a->request.port);
    auto r = registry_.announce(a->request, peer, Clock::now());
    if (!r) return void(socket.send(from, tracker::udp::encode_error(tx, r.error().message)));
    ++stats_.udp_announces;
    socket.send(from, tracker::udp::encode_announce_reply(tx, *r, from.unmapped().family()));
    return;
  }
  auto& s = std::get<tracker::udp::ScrapeMessage>(request->body);
  if (!connection_ok(from, s.connection))
    return void(socket.send(from, tracker::udp::encode_error(tx, "bad connection id")));
  ++stats_.scrapes;
  socket.send(from, tracker::udp::encode_scrape_reply(tx, registry_.scrape(s.hashes)));
}

void TrackerServer::schedule_expiry() {
  expiry_timer_.expires_after(std::chrono::seconds(30));
  expiry_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    registry_.expire(Clock::now());
    schedule_expiry();
  });
}

}  // namespace btnode::node

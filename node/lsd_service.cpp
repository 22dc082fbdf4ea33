#include "node/lsd_service.h"

#include <spdlog/spdlog.h>

#include <asio/ip/multicast.hpp>

#include "core/random.h"
#include "node/asio_endpoint.h"

namespace btnode::node {
namespace {

const asio::ip::address_v4 kGroup = asio::ip::make_address_v4(std::string(pex::kLsdGroupV4));

std::string random_cookie() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out.push_back(kHex[random_uniform(16u)]);
  return out;
}

}  // namespace

LsdService::LsdService(asio::io_context& io, LsdServiceOptions options, OnPeer on_peer)
    : io_(io),
      options_(std::move(options)),
      on_peer_(std::move(on_peer)),
      listen_socket_(io),
      send_socket_(io),
      timer_(io),
      cookie_(random_cookie()) {}

LsdService::~LsdService() { stop(); }

Result<void> LsdService::start() {
  asio::error_code ec;
  asio::ip::address_v4 local = asio::ip::address_v4::any();
  if (options_.bind) {
    auto a = to_asio_address(*options_.bind);
    if (!a.is_v4()) return fail("lsd: only IPv4 is supported");
    local = a.to_v4();
  }
  listen_socket_.open(asio::ip::udp::v4(), ec);
  if (!ec) listen_socket_.set_option(asio::ip::udp::socket::reuse_address(true), ec);
  if (!ec) listen_socket_.bind({asio::ip::address_v4::any(), pex::kLsdPort}, ec);
  if (!ec) listen_socket_.set_option(asio::ip::multicast::join_group(kGroup, local), ec);
  if (ec) return fail("lsd: listen on " + std::string(pex::kLsdGroupV4) + ":6771: " + ec.message());
  send_socket_.open(asio::ip::udp::v4(), ec);
  if (!ec) send_socket_.bind({local, 0}, ec);
  if (!ec) send_socket_.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec) send_socket_.set_option(asio::ip::multicast::hops(1), ec);
  if (ec) return fail("lsd: sender: " + ec.message());
  if (!local.is_unspecified()) {
    asio::error_code ignored;  // an address not on an interface: the routing table decides
    send_socket_.set_option(asio::ip::multicast::outbound_interface(local), ignored);
  }
  running_ = true;
  receive();
  arm_timer();
  spdlog::info("lsd: listening on {}:{}", pex::kLsdGroupV4, pex::kLsdPort);
  return {};
}

void LsdService::stop() {
  if (!running_) return;
  running_ = false;
  asio::error_code ignored;
  timer_.cancel();
  listen_socket_.close(ignored);
  send_socket_.close(ignored);
}

void LsdService::add_torrent(const pex::LsdHash& info_hash) {
  torrents_.insert(info_hash);
  if (running_) announce_due();
}

void LsdService::arm_timer() {
  timer_.expires_after(std::chrono::seconds(5));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) return;
    announce_due();
    arm_timer();
  });
}

void LsdService::announce_due() {
  auto now = std::chrono::steady_clock::now();
  pex::LsdAnnounce a;
  a.port = options_.listen_port;
  a.cookie = cookie_;
  for (const auto& h : torrents_) {
    if (policy_.should_announce(h, now)) a.info_hashes.push_back(h);
  }
  if (a.info_hashes.empty()) return;
  auto text = pex::encode_lsd_announce(std::string(pex::kLsdGroupV4) + ":6771", a);
  asio::error_code ec;
  send_socket_.send_to(asio::buffer(text), {kGroup, pex::kLsdPort}, 0, ec);
  if (ec) spdlog::debug("lsd: announce not sent: {}", ec.message());
}

void LsdService::receive() {
  listen_socket_.async_receive_from(asio::buffer(buffer_), from_,
                                    [this](const asio::error_code& ec, std::size_t n) {
                                      if (ec == asio::error::operation_aborted || !running_) return;
                                      if (!ec) on_datagram(n);
                                      receive();
                                    });
}

void LsdService::on_datagram(std::size_t size) {
  auto announce = pex::decode_lsd_announce(std::string_view(buffer_.data(), size));
  if (!announce || announce->cookie == cookie_) return;
  auto source = from_asio(from_.address(), announce->port);
  if (!policy_.accept_from(source.address_string(), std::chrono::steady_clock::now())) return;
  for (const auto& h : announce->info_hashes) {
    if (!torrents_.contains(h)) continue;
    ++peers_found_;
    spdlog::debug("lsd: peer {}", source.to_string());
    if (on_peer_) on_peer_(h, source);
  }
}

}  // namespace btnode::node

#include "node/lsd_service.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <asio/ip/multicast.hpp>
#include <asio/ip/v6_only.hpp>
#include <cstring>

#include "core/random.h"
#include "node/asio_endpoint.h"

namespace btnode::node {
namespace {

const asio::ip::address_v4 kGroup4 = asio::ip::make_address_v4(std::string(pex::kLsdGroupV4));
const asio::ip::address_v6 kGroup6 = asio::ip::make_address_v6(std::string(pex::kLsdGroupV6));

std::string random_cookie() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out.push_back(kHex[random_uniform(16u)]);
  return out;
}

// The index of the interface that holds this IPv6 address; 0 (the kernel's
// choice) when none does.
unsigned interface_of(const asio::ip::address_v6& address) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return 0;
  unsigned index = 0;
  auto bytes = address.to_bytes();
  for (ifaddrs* i = list; i && index == 0; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6) continue;
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
    if (std::memcmp(sa->sin6_addr.s6_addr, bytes.data(), 16) == 0) index = if_nametoindex(i->ifa_name);
  }
  freeifaddrs(list);
  return index;
}

}  // namespace

LsdService::LsdService(asio::io_context& io, LsdServiceOptions options, OnPeer on_peer)
    : io_(io),
      options_(std::move(options)),
      on_peer_(std::move(on_peer)),
      timer_(io),
      cookie_(random_cookie()) {}

LsdService::~LsdService() { stop(); }

Result<std::unique_ptr<LsdService::Channel>> LsdService::open_v4(const std::optional<Endpoint>& bind) {
  asio::error_code ec;
  asio::ip::address_v4 local = asio::ip::address_v4::any();
  if (bind) local = to_asio_address(*bind).to_v4();
  auto c = std::make_unique<Channel>(io_);
  c->group = {kGroup4, pex::kLsdPort};
  c->host = std::string(pex::kLsdGroupV4) + ":6771";
  c->listen.open(asio::ip::udp::v4(), ec);
  if (!ec) c->listen.set_option(asio::ip::udp::socket::reuse_address(true), ec);
  if (!ec) c->listen.bind({asio::ip::address_v4::any(), pex::kLsdPort}, ec);
  if (!ec) c->listen.set_option(asio::ip::multicast::join_group(kGroup4, local), ec);
  if (ec) return fail("lsd: listen on " + c->host + ": " + ec.message());
  c->send.open(asio::ip::udp::v4(), ec);
  if (!ec) c->send.bind({local, 0}, ec);
  if (!ec) c->send.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec) c->send.set_option(asio::ip::multicast::hops(1), ec);
  if (ec) return fail("lsd: sender: " + ec.message());
  if (!local.is_unspecified()) {
    asio::error_code ignored;  // an address not on an interface: the routing table decides
    c->send.set_option(asio::ip::multicast::outbound_interface(local), ignored);
  }
  return c;
}

Result<std::unique_ptr<LsdService::Channel>> LsdService::open_v6(const std::optional<Endpoint>& bind) {
  asio::error_code ec;
  asio::ip::address_v6 local = asio::ip::address_v6::any();
  if (bind) local = to_asio_address(*bind).to_v6();
  unsigned index = local.is_unspecified() ? 0 : interface_of(local);
  auto c = std::make_unique<Channel>(io_);
  c->group = {kGroup6, pex::kLsdPort};
  c->host = "[" + std::string(pex::kLsdGroupV6) + "]:6771";
  c->listen.open(asio::ip::udp::v6(), ec);
  if (!ec) c->listen.set_option(asio::ip::v6_only(true), ec);
  if (!ec) c->listen.set_option(asio::ip::udp::socket::reuse_address(true), ec);
  if (!ec) c->listen.bind({asio::ip::address_v6::any(), pex::kLsdPort}, ec);
  if (!ec) c->listen.set_option(asio::ip::multicast::join_group(kGroup6, index), ec);
  if (ec) return fail("lsd: listen on " + c->host + ": " + ec.message());
  c->send.open(asio::ip::udp::v6(), ec);
  if (!ec) c->send.set_option(asio::ip::v6_only(true), ec);
  if (!ec) c->send.bind({local, 0}, ec);
  if (!ec) c->send.set_option(asio::ip::multicast::enable_loopback(true), ec);
  if (!ec) c->send.set_option(asio::ip::multicast::hops(1), ec);
  if (!ec && index != 0) c->send.set_option(asio::ip::multicast::outbound_interface(index), ec);
  if (ec) return fail("lsd: IPv6 sender: " + ec.message());
  return c;
}

Result<void> LsdService::start() {
  std::optional<Endpoint> bind4, bind6;
  for (const auto& b : options_.bind) {
    if (b.is_v4() && !bind4) bind4 = b;
    if (!b.is_v4() && !bind6) bind6 = b;
  }
  bool any = options_.bind.empty();
  std::string errors;
  if (any || bind4) {
    auto c = open_v4(bind4);
    if (c) v4_ = std::move(*c);
    else errors = c.error().message;
  }
  if (any || bind6) {
    auto c = open_v6(bind6);
    if (c) v6_ = std::move(*c);
    else errors += (errors.empty() ? "" : "; ") + c.error().message;
  }
  // With an explicit address of a family, its group must work; on "any",
  // one family is enough.
  if ((bind4 && !v4_) || (bind6 && !v6_) || (!v4_ && !v6_)) {
    v4_.reset();
    v6_.reset();
    return fail(errors);
  }
  if (!errors.empty()) spdlog::info("{}", errors);
  running_ = true;
  for (auto* c : {v4_.get(), v6_.get()}) {
    if (!c) continue;
    receive(*c);
    spdlog::info("lsd: listening on {}", c->host);
  }
  arm_timer();
  return {};
}

void LsdService::stop() {
  if (!running_) return;
  running_ = false;
  asio::error_code ignored;
  timer_.cancel();
  for (auto* c : {v4_.get(), v6_.get()}) {
    if (!c) continue;
    c->listen.close(ignored);
    c->send.close(ignored);
  }
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
  // One decision per torrent for all groups: the rate limit is per torrent.
  for (const auto& h : torrents_) {
    if (policy_.should_announce(h, now)) a.info_hashes.push_back(h);
  }
  if (a.info_hashes.empty()) return;
  for (auto* c : {v4_.get(), v6_.get()}) {
    if (!c) continue;
    auto text = pex::encode_lsd_announce(c->host, a);
    asio::error_code ec;
    c->send.send_to(asio::buffer(text), c->group, 0, ec);
    if (ec) spdlog::debug("lsd: announce to {} not sent: {}", c->host, ec.message());
  }
}

void LsdService::receive(Channel& c) {
  c.listen.async_receive_from(asio::buffer(c.buffer), c.from,
                              [this, &c](const asio::error_code& ec, std::size_t n) {
                                if (ec == asio::error::operation_aborted || !running_) return;
                                if (!ec) on_datagram(c, n);
                                receive(c);
                              });
}

void LsdService::on_datagram(Channel& c, std::size_t size) {
  auto announce = pex::decode_lsd_announce(std::string_view(c.buffer.data(), size));
  if (!announce || announce->cookie == cookie_) return;
  auto source = from_asio(c.from.address(), announce->port);
  if (!policy_.accept_from(source.address_string(), std::chrono::steady_clock::now())) return;
  for (const auto& h : announce->info_hashes) {
    if (!torrents_.contains(h)) continue;
    ++peers_found_;
    spdlog::debug("lsd: peer {}", source.to_string());
    if (on_peer_) on_peer_(h, source);
  }
}

}  // namespace btnode::node

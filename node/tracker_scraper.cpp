#include "node/tracker_scraper.h"

#include "node/resolver.h"
#include "tracker/http_codec.h"
#include "tracker/tracker_url.h"

namespace btnode::node {

using tracker::ScrapeEntry;
using Clock = std::chrono::steady_clock;

TrackerScraper::TrackerScraper(asio::io_context& io, HttpFetcher& http, TrackerScraperOptions options)
    : io_(io), http_(http), options_(std::move(options)), timer_(io), alive_(std::make_shared<bool>(true)) {}

TrackerScraper::~TrackerScraper() {
  *alive_ = false;
  if (socket_) socket_->close();
}

void TrackerScraper::finish(Result<std::vector<ScrapeEntry>> r) {
  busy_ = false;
  timer_.cancel();
  exchange_.reset();
  if (auto done = std::exchange(done_, nullptr)) done(std::move(r));
}

void TrackerScraper::scrape(const std::string& url, std::vector<tracker::Hash20> hashes, Done done,
                            std::optional<tracker::ConnectionId> cached) {
  if (busy_) return done(fail("scrape: another scrape is running"));
  if (hashes.empty()) return done(std::vector<ScrapeEntry>{});
  busy_ = true;
  done_ = std::move(done);
  auto parsed = tracker::parse_tracker_url(url);
  if (!parsed) return finish(fail(parsed.error()));
  if (parsed->scheme == tracker::Scheme::http) return scrape_http(url, hashes);
  ResolveOptions ro;
  if (options_.bind) {
    ro.want_v4 = options_.bind->is_v4();
    ro.want_v6 = options_.bind->is_v6();
  }
  resolve_udp(io_, {parsed->udp_host}, ro,
              [this, alive = alive_, hashes = std::move(hashes), cached](
                  const HostPort& name, std::vector<Endpoint> eps) mutable {
                if (!*alive) return;
                if (eps.empty()) return finish(fail("cannot resolve " + name.to_string()));
                scrape_udp(eps.front(), std::move(hashes), cached);
              });
}

void TrackerScraper::scrape_http(const std::string& url, const std::vector<tracker::Hash20>& hashes) {
  auto base = tracker::scrape_url(url);
  if (!base) return finish(fail("tracker " + url + " does not support scrape (BEP 48: no /announce)"));
  HttpRequest req;
  req.url = tracker::scrape_request_url(*base, hashes);
  req.timeout = options_.http_timeout;
  req.max_body = tracker::kMaxHttpBody;
  req.ca_file = options_.ca_file;
  if (options_.bind) req.interface = options_.bind->address_string();
  http_.get(std::move(req), [this, alive = alive_, hashes](HttpResult res) {
    if (!*alive) return;
    if (!res.error.empty()) return finish(fail("http: " + res.error));
    auto decoded = tracker::decode_scrape_response(res.body);
    if (!decoded && res.status != 200) return finish(fail("http status " + std::to_string(res.status)));
    if (!decoded) return finish(fail(decoded.error()));
    // In the order asked; hashes the tracker left out are absent.
    std::vector<ScrapeEntry> ordered;
    for (const auto& h : hashes) {
      for (const auto& e : *decoded) {
        if (e.info_hash == h) {
          ordered.push_back(e);
          break;
        }
      }
    }
    finish(std::move(ordered));
  });
}

void TrackerScraper::scrape_udp(Endpoint to, std::vector<tracker::Hash20> hashes,
                                std::optional<tracker::ConnectionId> cached) {
  if (!socket_ || socket_->family() != to.family()) {
    if (socket_) socket_->close();
    Endpoint local = to.is_v4() ? Endpoint::v4({}, 0) : Endpoint::v6({}, 0);
    if (options_.bind && options_.bind->family() == to.family()) local = options_.bind->with_port(0);
    auto s = std::make_unique<UdpSocket>(io_);
    if (auto opened = s->open(local); !opened) return finish(fail("udp: " + opened.error().message));
    s->start([this](std::string_view bytes, const Endpoint& from) {
      if (!exchange_ || from.unmapped() != udp_to_) return;
      exchange_->on_datagram(bytes, Clock::now());
      pump_udp();
    });
    socket_ = std::move(s);
  }
  udp_to_ = to;
  exchange_ = std::make_unique<tracker::UdpExchange>(std::move(hashes), to.family(), options_.udp, cached);
  pump_udp();
}

void TrackerScraper::pump_udp() {
  auto now = Clock::now();
  while (auto d = exchange_->take_datagram(now)) socket_->send(udp_to_, *d);
  if (exchange_->finished()) {
    if (exchange_->connection()) connection_ = exchange_->connection();
    if (exchange_->state() == tracker::UdpExchange::State::done)
      return finish(exchange_->scrape_result());
    return finish(fail(exchange_->error()));
  }
  timer_.expires_at(exchange_->deadline());
  timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive || !exchange_) return;
    exchange_->on_timeout(Clock::now());
    pump_udp();
  });
}

}  // namespace btnode::node

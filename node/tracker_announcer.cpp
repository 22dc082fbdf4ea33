#include "node/tracker_announcer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/random.h"
#include "node/resolver.h"
#include "tracker/http_codec.h"
#include "tracker/tracker_url.h"

namespace btnode::node {

using tracker::AnnounceResponse;
using tracker::Event;
using AnnounceDone = std::function<void(Result<AnnounceResponse>)>;

TrackerAnnouncer::TrackerAnnouncer(asio::io_context& io, HttpFetcher& http,
                                   TrackerAnnouncerOptions options)
    : io_(io),
      http_(http),
      options_(std::move(options)),
      tiers_(options_.tiers, seed_or_random(std::nullopt)),
      timer_(io),
      udp_timer_(io),
      alive_(std::make_shared<bool>(true)),
      key_(random_uniform(0xffffffffu)) {}

TrackerAnnouncer::~TrackerAnnouncer() {
  *alive_ = false;
  if (udp4_) udp4_->close();
  if (udp6_) udp6_->close();
}

void TrackerAnnouncer::start() {
  if (tiers_.empty() || schedule_) return;
  schedule_.emplace(Clock::now(), options_.counters().left == 0);
  arm_timer();
}

void TrackerAnnouncer::on_complete() {
  if (!schedule_) return;
  schedule_->on_complete(Clock::now());
  if (!busy_ && !stopping_) arm_timer();
}

void TrackerAnnouncer::hurry() {
  if (!schedule_) return;
  schedule_->hurry(Clock::now());
  if (!busy_ && !stopping_) arm_timer();
}

void TrackerAnnouncer::arm_timer() {
  if (stopping_ || !schedule_) return;
  timer_.expires_at(schedule_->due());
  timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive || stopping_ || busy_) return;
    begin_round();
  });
}

void TrackerAnnouncer::begin_round() {
  busy_ = true;
  try_tracker(*tiers_.first());
}

tracker::AnnounceRequest TrackerAnnouncer::request(Event event) const {
  tracker::AnnounceRequest q;
  auto c = options_.counters();
  q.info_hash = options_.info_hash;
  q.peer_id = options_.peer_id;
  q.port = options_.port;
  q.uploaded = c.uploaded;
  q.downloaded = c.downloaded;
  q.left = c.left;
  q.event = event;
  q.numwant = event == Event::stopped ? 0 : options_.numwant;
  q.key = key_;
  return q;
}

void TrackerAnnouncer::try_tracker(tracker::TierPosition at) {
  const std::string& url = tiers_.url(at);
  auto done = [this, at, alive = alive_](Result<AnnounceResponse> r) {
    if (*alive) on_result(at, std::move(r));
  };
  auto parsed = tracker::parse_tracker_url(url);
  if (!parsed) return done(fail(parsed.error()));
  if (parsed->scheme == tracker::Scheme::udp) {
    int retries = options_.udp.max_retries;
    if (tiers_.next(at)) retries = std::min(retries, options_.udp_fallthrough_retries);
    announce_udp(parsed->udp_host, schedule_->event(), retries, std::move(done));
  } else {
    announce_http(url, schedule_->event(), std::move(done));
  }
}

void TrackerAnnouncer::on_result(tracker::TierPosition at, Result<AnnounceResponse> r) {
  if (stopping_) return;
  auto now = Clock::now();
  if (!r) {
    spdlog::warn("tracker {}: {}", tiers_.url(at), r.error().message);
    if (auto next = tiers_.next(at)) return try_tracker(*next);
    schedule_->on_failure(now);
    busy_ = false;
    return arm_timer();
  }
  last_good_ = tiers_.url(at);
  ++successes_;
  tiers_.promote(at);
  if (!r->warning.empty()) spdlog::warn("tracker {}: {}", last_good_, r->warning);
  if (!r->tracker_id.empty()) tracker_id_ = r->tracker_id;
  spdlog::info("tracker {}: {} peers, next in {} s", last_good_, r->peers.size(), r->interval);
  schedule_->on_success(now, *r);
  busy_ = false;
  deliver(*r);
  arm_timer();
}

void TrackerAnnouncer::deliver(const AnnounceResponse& r) {
  std::vector<Endpoint> peers;
  // Trackers list the asker too (opentracker does): never dial ourselves.
  auto is_self = [&](const Endpoint& p) {
    if (p.port() != options_.port) return false;
    if (options_.bind && p == options_.bind->with_port(options_.port)) return true;
    return r.external_ip && p.with_port(0) == r.external_ip->unmapped();
  };
  for (const auto& p : r.peers) {
    auto u = p.unmapped();
    if (is_self(u)) continue;
    if (u.port() == 0 || u.is_unspecified() || u.is_multicast()) continue;
    if (!options_.allow_local && (u.is_loopback() || u.is_private() || u.is_link_local())) continue;
    peers.push_back(u);
  }
  if (!peers.empty() && options_.on_peers) options_.on_peers(peers);
}

void TrackerAnnouncer::announce_http(const std::string& url, Event event, AnnounceDone done) {
  auto full = tracker::announce_url(url, request(event), tracker_id_);
  if (!full) return done(fail(full.error()));
  HttpRequest req;
  req.url = std::move(*full);
  req.timeout = stopping_ ? options_.stop_timeout : options_.http_timeout;
  req.max_body = tracker::kMaxHttpBody;
  req.ca_file = options_.ca_file;
  if (options_.bind) req.interface = options_.bind->address_string();
  std::size_t max_peers = options_.max_peers;
  http_.get(std::move(req), [done = std::move(done), max_peers](HttpResult res) {
    if (!res.error.empty()) return done(fail("http: " + res.error));
    // Trackers send failures with status 200, but some use 4xx with a body.
    auto decoded = tracker::decode_announce_response(res.body, max_peers);
    if (!decoded && res.status != 200)
      return done(fail("http status " + std::to_string(res.status)));
    done(std::move(decoded));
  });
}

UdpSocket* TrackerAnnouncer::udp_socket(Endpoint::Family family) {
  auto& slot = family == Endpoint::Family::v4 ? udp4_ : udp6_;
  if (slot) return slot.get();
  Endpoint local = family == Endpoint::Family::v4 ? Endpoint::v4({}, 0) : Endpoint::v6({}, 0);
  if (options_.bind && options_.bind->family() == family) local = options_.bind->with_port(0);
  auto socket = std::make_unique<UdpSocket>(io_);
  if (!socket->open(local)) return nullptr;
  socket->start([this](std::string_view bytes, const Endpoint& from) {
    if (!udp_run_ || from.unmapped() != udp_run_->to) return;
    udp_run_->exchange->on_datagram(bytes, Clock::now());
    pump_udp();
  });
  slot = std::move(socket);
  return slot.get();
}

void TrackerAnnouncer::announce_udp(const HostPort& host, Event event, int max_retries,
                                    AnnounceDone done) {
  ResolveOptions ro;
  if (options_.bind) {
    ro.want_v4 = options_.bind->is_v4();
    ro.want_v6 = options_.bind->is_v6();
  }
  resolve_udp(io_, {host}, ro,
              [this, alive = alive_, event, max_retries, done = std::move(done)](
                  const HostPort& name, std::vector<Endpoint> eps) mutable {
                if (!*alive) return;
                if (eps.empty()) return done(fail("cannot resolve " + name.to_string()));
                run_udp(eps.front(), event, max_retries, std::move(done));
              });
}

void TrackerAnnouncer::run_udp(Endpoint to, Event event, int max_retries, AnnounceDone done) {
  if (!udp_socket(to.family())) return done(fail("cannot open a UDP socket"));
  std::optional<tracker::ConnectionId> cached;
  if (auto it = connection_ids_.find(to); it != connection_ids_.end()) cached = it->second;
  auto udp = options_.udp;
  udp.max_peers = options_.max_peers;
  udp.max_retries = max_retries;
  if (stopping_) udp.max_retries = 0;  // final announces: one try each
  udp_run_ = UdpRun{to, std::make_unique<tracker::UdpExchange>(request(event), to.family(), udp, cached),
                    std::move(done)};
  pump_udp();
}

void TrackerAnnouncer::pump_udp() {
  auto& run = *udp_run_;
  auto now = Clock::now();
  while (auto d = run.exchange->take_datagram(now)) udp_socket(run.to.family())->send(run.to, *d);
  if (run.exchange->finished()) return finish_udp();
  udp_timer_.expires_at(run.exchange->deadline());
  udp_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive || !udp_run_) return;
    udp_run_->exchange->on_timeout(Clock::now());
    pump_udp();
  });
}

void TrackerAnnouncer::finish_udp() {
  auto run = std::move(*udp_run_);
  udp_run_.reset();
  udp_timer_.cancel();
  if (run.exchange->connection()) connection_ids_[run.to] = *run.exchange->connection();
  if (run.exchange->state() == tracker::UdpExchange::State::done) {
    run.done(run.exchange->announce_result());
  } else {
    run.done(fail(run.exchange->error()));
  }
}

void TrackerAnnouncer::stop(std::function<void()> done) {
  if (stopping_) return done();
  stopping_ = true;
  timer_.cancel();
  udp_timer_.cancel();
  udp_run_.reset();
  if (last_good_.empty()) return done();
  auto once = std::make_shared<std::function<void()>>(std::move(done));
  auto finish = [once] {
    if (*once) std::exchange(*once, nullptr)();
  };
  timer_.expires_after(options_.stop_timeout);
  timer_.async_wait([finish](const asio::error_code&) { finish(); });
  // A download that finished just before the exit still reports `completed`
  // (the swarm's download count), then `stopped`.
  bool completed = schedule_ && schedule_->completed_pending();
  send_final(completed ? Event::completed : Event::stopped, finish);
}

void TrackerAnnouncer::send_final(Event event, std::function<void()> finish) {
  auto sent = [this, event, finish, alive = alive_](Result<AnnounceResponse>) {
    if (!*alive) return;
    if (event == Event::completed) return send_final(Event::stopped, finish);
    finish();
  };
  auto parsed = tracker::parse_tracker_url(last_good_);
  if (parsed && parsed->scheme == tracker::Scheme::udp) {
    announce_udp(parsed->udp_host, event, 0, sent);
  } else {
    announce_http(last_good_, event, sent);
  }
}

}  // namespace btnode::node

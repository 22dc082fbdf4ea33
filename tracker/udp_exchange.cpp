#include "tracker/udp_exchange.h"

#include <algorithm>

#include "core/random.h"

namespace btnode::tracker {

UdpExchange::UdpExchange(Query query, Endpoint::Family family, UdpExchangeOptions options,
                         std::optional<ConnectionId> cached)
    : query_(std::move(query)), family_(family), options_(options), connection_(cached) {
  if (auto* hashes = std::get_if<std::vector<Hash20>>(&query_);
      hashes && hashes->size() > udp::kMaxScrapeHashes)
    hashes->resize(udp::kMaxScrapeHashes);
}

std::optional<std::string> UdpExchange::take_datagram(TimePoint now) {
  if (!send_due_ || finished()) return std::nullopt;
  send_due_ = false;
  // An expired id (also one that expired while we waited) means connecting again.
  state_ = connection_ && connection_->usable_at(now) ? State::requesting : State::connecting;
  transaction_ = random_uniform(0xffffffffu);
  deadline_ = now + options_.first_timeout * (1 << std::min(attempt_, 16));
  if (state_ == State::connecting) return udp::encode_connect(transaction_);
  if (auto* q = std::get_if<AnnounceRequest>(&query_))
    return udp::encode_announce(connection_->id, transaction_, *q);
  return udp::encode_scrape(connection_->id, transaction_, std::get<std::vector<Hash20>>(query_));
}

void UdpExchange::on_timeout(TimePoint now) {
  if (finished() || send_due_ || now < deadline_) return;
  if (attempt_ >= options_.max_retries) {
    state_ = State::failed;
    error_ = "udp tracker: no answer after " + std::to_string(attempt_ + 1) + " tries";
    return;
  }
  ++attempt_;
  send_due_ = true;
}

void UdpExchange::on_datagram(std::string_view bytes, TimePoint now) {
  if (finished() || send_due_) return;
  auto reply = udp::decode_reply(bytes, family_, options_.max_peers);
  if (!reply || reply->transaction != transaction_) return;
  on_reply(std::move(*reply), now);
}

void UdpExchange::on_reply(udp::Reply reply, TimePoint now) {
  if (auto* e = std::get_if<udp::ErrorReply>(&reply.body)) {
    state_ = State::failed;
    error_ = "udp tracker: failure: " + e->message;
    return;
  }
  if (state_ == State::connecting) {
    auto* c = std::get_if<udp::ConnectReply>(&reply.body);
    if (!c) return;
    connection_ = ConnectionId{c->connection, now};
    attempt_ = 0;
    send_due_ = true;
    state_ = State::requesting;
    return;
  }
  if (std::holds_alternative<AnnounceRequest>(query_)) {
    auto* a = std::get_if<AnnounceResponse>(&reply.body);
    if (!a) return;
    announce_ = std::move(*a);
    state_ = State::done;
    return;
  }
  if (auto* s = std::get_if<std::vector<ScrapeEntry>>(&reply.body)) finish_scrape(std::move(*s));
}

void UdpExchange::finish_scrape(std::vector<ScrapeEntry> entries) {
  const auto& hashes = std::get<std::vector<Hash20>>(query_);
  entries.resize(std::min(entries.size(), hashes.size()));
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i].info_hash = hashes[i];
  scrape_ = std::move(entries);
  state_ = State::done;
}

}  // namespace btnode::tracker

#include "dht/external_ip_vote.h"

namespace btnode::dht {

bool ExternalIpVote::add(const Endpoint& voter, const Endpoint& reported) {
  const Endpoint who = voter.unmapped().with_port(0);
  const Endpoint what = reported.unmapped().with_port(0);
  if (what.is_unspecified()) return false;
  const auto [it, fresh] = votes_.insert_or_assign(who, what);
  if (fresh) {
    order_.push_back(who);
    if (order_.size() > options_.max_voters) {
      votes_.erase(order_.front());
      order_.pop_front();
    }
  }
  const auto before = elected_;
  elect();
  return elected_ != before;
}

void ExternalIpVote::elect() {
  if (votes_.size() < options_.min_votes) return;
  std::unordered_map<Endpoint, std::size_t> tally;
  for (const auto& [voter, reported] : votes_) ++tally[reported];
  const Endpoint* best = nullptr;
  std::size_t best_votes = 0;
  bool tie = false;
  for (const auto& [address, n] : tally) {
    if (n > best_votes) {
      best = &address;
      best_votes = n;
      tie = false;
    } else if (n == best_votes) {
      tie = true;
    }
  }
  // A tie or too few votes keeps what was elected before.
  if (best && !tie && best_votes >= options_.min_votes) elected_ = *best;
}

}  // namespace btnode::dht

#include "dht/external_ip_vote.h"

#include <algorithm>

namespace btnode::dht {

bool ExternalIpVote::add(const Endpoint& voter, const Endpoint& reported) {
  const Endpoint who = voter.unmapped().with_port(0);
  const Endpoint what = reported.unmapped().with_port(0);
  if (what.is_unspecified()) return false;
  const auto known =
      std::find_if(votes_.begin(), votes_.end(), [&](const Vote& v) { return v.voter == who; });
  if (known != votes_.end()) {
    if (known->reported == what) return false;  // the same vote again
    count(known->reported, false);
    known->reported = what;
  } else {
    if (votes_.size() >= options_.max_voters && !votes_.empty()) {
      count(votes_.front().reported, false);
      votes_.erase(votes_.begin());
    }
    votes_.push_back({who, what});
  }
  count(what, true);
  const auto before = elected_;
  elect();
  return elected_ != before;
}

void ExternalIpVote::count(const Endpoint& address, bool add) {
  const auto it = std::find_if(tally_.begin(), tally_.end(),
                               [&](const Tally& t) { return t.address == address; });
  if (add) {
    if (it == tally_.end()) {
      tally_.push_back({address, 1});
    } else {
      ++it->votes;
    }
    return;
  }
  if (it == tally_.end()) return;
  if (--it->votes == 0) tally_.erase(it);
}

void ExternalIpVote::elect() {
  if (votes_.size() < options_.min_votes) return;
  const Endpoint* best = nullptr;
  std::size_t best_votes = 0;
  bool tie = false;
  for (const Tally& t : tally_) {
    if (t.votes > best_votes) {
      best = &t.address;
      best_votes = t.votes;
      tie = false;
    } else if (t.votes == best_votes) {
      tie = true;
    }
  }
  // A tie or too few votes keeps what was elected before.
  if (best && !tie && best_votes >= options_.min_votes) elected_ = *best;
}

}  // namespace btnode::dht

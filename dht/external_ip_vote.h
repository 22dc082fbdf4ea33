// BEP 42: our external address as the nodes we talk to see it. Every reply
// may carry `ip`, the address the replier saw us at; one liar must not be
// able to move us, so each voter IP counts once (its latest report), and an
// address is elected only with min_votes and more votes than any other.
//
// Every reply votes, so this is on the hot path of every lookup: the voters
// (at most max_voters) and the few distinct addresses they report live in
// flat vectors with running counts, no hashing and no allocation per vote.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/endpoint.h"

namespace btnode::dht {

struct ExternalIpVoteOptions {
  std::size_t min_votes = 3;    // distinct voters before anything is elected
  std::size_t max_voters = 50;  // the oldest voter is forgotten beyond this
};

class ExternalIpVote {
 public:
  explicit ExternalIpVote(ExternalIpVoteOptions options = {}) : options_(options) {}

  // `voter` (the replying node) says our address is `reported` (ports are
  // ignored). Returns true when this changed the elected address.
  bool add(const Endpoint& voter, const Endpoint& reported);
  // The elected address (port 0), if any.
  const std::optional<Endpoint>& elected() const { return elected_; }
  std::size_t voters() const { return votes_.size(); }

 private:
  struct Vote {
    Endpoint voter;     // port 0
    Endpoint reported;  // port 0
  };
  struct Tally {
    Endpoint address;
    std::size_t votes = 0;
  };

  void count(const Endpoint& address, bool add);
  void elect();

  ExternalIpVoteOptions options_;
  std::vector<Vote> votes_;    // one per voter IP, oldest voter first
  std::vector<Tally> tally_;   // votes per reported address, none at 0
  std::optional<Endpoint> elected_;
};

}  // namespace btnode::dht

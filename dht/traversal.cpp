#include "dht/traversal.h"

#include <algorithm>

namespace btnode::dht {

Traversal::Traversal(const NodeId& target, TraversalOptions options)
    : target_(target), options_(options) {}

void Traversal::add_seed(const NodeInfo& node) {
  add(node, true, 1);
  sort_and_trim();
}

void Traversal::add_seed(const Endpoint& endpoint) {
  add({NodeId{}, endpoint}, false, 1);
  sort_and_trim();
}

void Traversal::add(const NodeInfo& node, bool id_known, int depth) {
  if (!seen_.insert(node.endpoint).second) return;
  candidates_.push_back({node, id_known, State::fresh, depth, false, {}});
}

void Traversal::sort_and_trim() {
  std::stable_sort(candidates_.begin(), candidates_.end(),
                   [&](const Candidate& a, const Candidate& b) {
                     if (a.id_known != b.id_known) return a.id_known;
                     return a.id_known && closer_to(target_, a.node.id, b.node.id);
                   });
  // One id at two endpoints: keep the first heard of (sorting is stable), as
  // a spoofer may be the second. Equal ids sort next to each other.
  for (std::size_t i = 1; i < candidates_.size();) {
    const Candidate& a = candidates_[i - 1];
    const Candidate& b = candidates_[i];
    if (a.id_known && b.id_known && a.node.id == b.node.id && b.state == State::fresh) {
      candidates_.erase(candidates_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  // Drop the farthest never-asked candidates; asked ones stay so that their
  // answers and failures can still be matched.
  for (std::size_t i = candidates_.size();
       i-- > 0 && candidates_.size() > options_.max_candidates;) {
    if (candidates_[i].state == State::fresh)
      candidates_.erase(candidates_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

Traversal::Candidate* Traversal::find(const Endpoint& endpoint) {
  for (Candidate& c : candidates_) {
    if (c.node.endpoint == endpoint) return &c;
  }
  return nullptr;
}

std::size_t Traversal::in_flight() const {
  return static_cast<std::size_t>(
      std::count_if(candidates_.begin(), candidates_.end(),
                    [](const Candidate& c) { return c.state == State::in_flight; }));
}

void Traversal::pick(TimePoint now, std::vector<Request>& out) {
  for (Candidate& c : candidates_) {
    if (!c.resend_due) continue;
    c.resend_due = false;
    ++progress_.resent;
    out.push_back({c.node.endpoint, c.id_known ? std::optional(c.node.id) : std::nullopt});
  }
  std::size_t flying = in_flight();
  std::size_t responded = 0;
  std::size_t viable = 0;  // candidates so far that have not failed or been passed over
  // The end game: enough answers that the candidates are near the target.
  const bool late = progress_.responded >= options_.eager_after;
  // Nodes beyond the k-th that answered cannot improve the result.
  for (Candidate& c : candidates_) {
    if (responded >= options_.k + options_.margin) break;
    const bool eager = late && viable < options_.eager && c.id_known;
    if (flying >= options_.alpha && !eager) break;
    if (c.state != State::failed && c.state != State::passed) ++viable;
    if (c.state == State::responded) ++responded;
    if (c.state != State::fresh) continue;
    c.state = State::in_flight;
    c.sent = now;
    ++flying;
    ++progress_.queried;
    out.push_back({c.node.endpoint, c.id_known ? std::optional(c.node.id) : std::nullopt});
  }
}

bool Traversal::on_response(const Endpoint& from, const Response& response,
                            std::span<const NodeInfo> nodes) {
  Candidate* c = find(from);
  if (!c || !awaited(c->state)) return false;
  c->state = State::responded;
  c->resend_due = false;
  c->node.id = response.id;  // learns a bootstrap node's id
  c->id_known = true;
  ++progress_.responded;
  const NodeInfo node = c->node;
  const int depth = c->depth;
  on_answer(node, response);
  for (const NodeInfo& n : nodes) add(n, true, depth + 1);
  sort_and_trim();
  progress_.hops = 0;
  std::size_t taken = 0;
  for (const Candidate& r : candidates_) {
    if (r.state != State::responded) continue;
    progress_.hops = std::max(progress_.hops, r.depth);
    if (++taken == options_.k) break;
  }
  return true;
}

void Traversal::on_failure(const Endpoint& from) {
  Candidate* c = find(from);
  if (!c || !awaited(c->state)) return;
  c->state = State::failed;
  c->resend_due = false;
  ++progress_.failed;
}

void Traversal::on_timer(TimePoint now) {
  for (Candidate& c : candidates_) {
    if (now - c.sent < options_.slow_after) continue;
    if (c.state == State::in_flight) {
      c.state = State::slow;
      c.sent = now;
      c.resend_due = options_.resend_slow;
      ++progress_.slow;
    } else if (c.state == State::slow) {
      c.state = State::passed;
    }
  }
}

TimePoint Traversal::next_deadline() const {
  TimePoint next = TimePoint::max();
  for (const Candidate& c : candidates_) {
    if (c.state == State::in_flight || c.state == State::slow)
      next = std::min(next, c.sent + options_.slow_after);
  }
  return next;
}

bool Traversal::done() const {
  const std::size_t want = options_.k + options_.margin;
  std::size_t responded = 0;
  std::size_t awaited_now = 0;
  for (const Candidate& c : candidates_) {
    switch (c.state) {
      case State::failed:
      case State::passed:
        continue;
      case State::responded:
        ++responded;
        break;
      case State::fresh:
        return false;
      case State::slow:
      case State::in_flight:
        if (++awaited_now > options_.stragglers) return false;
        break;
    }
    if (responded + awaited_now == want) return true;
  }
  // Fewer than k nodes we could reach: wait for every one of them.
  return awaited_now == 0;
}

void Traversal::closest_responders(std::vector<NodeInfo>& out) const {
  out.clear();
  for (const Candidate& c : candidates_) {
    if (out.size() == options_.k) break;
    if (c.state == State::responded) out.push_back(c.node);
  }
}

}  // namespace btnode::dht

// BEP 44 items stored on this node (put/get), bounded.
//
// Items expire 2 hours after their last put (BEP 44: republished hourly); the
// store holds at most max_items, and a new target evicts the oldest item, so
// a flood of puts costs memory only up to the cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "dht/krpc.h"
#include "dht/time.h"

namespace btnode::dht {

struct ItemStoreOptions {
  std::size_t max_items = 2000;
  Duration item_ttl = 2h;  // BEP 44
};

struct StoredItem {
  std::string value;  // raw bencode of `v`
  std::string key;    // mutable: 32-byte public key; immutable: empty
  std::string signature;
  std::int64_t seq = 0;
  TimePoint stored;
  bool is_mutable() const { return !key.empty(); }
};

// Why a put was refused: the KRPC error to answer with.
struct PutRefusal {
  ErrorCode code = ErrorCode::protocol;
  std::string_view message;
};

// The target a put writes to (BEP 44: SHA-1 of v, or of k + salt).
NodeId put_target(const PutArgs& args);

// The cheap checks of a put, run before its token is checked: value and salt
// sizes (205, 207), canonical bencoding of v (203), seq not negative.
std::optional<PutRefusal> check_put(const PutArgs& args);

class ItemStore {
 public:
  explicit ItemStore(ItemStoreOptions options = {});

  // Stores `args` (already passed check_put) under put_target(args), or
  // refuses it: a bad signature (206, checked here, after the caller's token
  // check, because ed25519 costs far more than a token), cas mismatch (301),
  // a sequence number not above the stored one with another value (302).
  std::optional<PutRefusal> put(const PutArgs& args, TimePoint now);

  // The live item at `target`, or null.
  const StoredItem* get(const NodeId& target, TimePoint now) const;

  // Drops expired items. Call from a timer.
  void expire(TimePoint now);
  std::size_t size() const { return items_.size(); }

 private:
  std::optional<PutRefusal> replace_mutable(StoredItem& item, const PutArgs& args,
                                            TimePoint now) const;
  void make_room();
  bool is_live(const StoredItem& item, TimePoint now) const {
    return now - item.stored < options_.item_ttl;
  }

  ItemStoreOptions options_;
  // Ordered map: no hash the writer could aim collisions at.
  std::map<NodeId, StoredItem> items_;
};

}  // namespace btnode::dht

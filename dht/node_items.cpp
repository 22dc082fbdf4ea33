// dht::Node's BEP 44 side: answering get and put from the item store.
#include "dht/node.h"

namespace btnode::dht {

void Node::answer(const Inbound& in, const GetArgs& args) {
  Response r = make_response();
  // BEP 44: the token is bound to the target like get_peers' to the info-hash.
  const TokenIssuer::Token token = tokens_.issue(in.from, args.target, in.now);
  r.token = TokenIssuer::view(token);
  add_item(r, args, in.now);
  add_nodes(r, args.target, args.want, in);
  send_reply(in, r);
}

void Node::answer(const Inbound& in, const PutArgs& args) {
  auto refused = check_put(args);
  if (!refused && !tokens_.verify(args.token, in.from, put_target(args), in.now))
    refused = PutRefusal{ErrorCode::protocol, "bad token"};
  if (!refused) refused = items_.put(args, in.now);
  if (refused) {
    send_error(in, refused->code, refused->message);
    return;
  }
  send_reply(in, make_response());
}

void Node::add_item(Response& r, const GetArgs& args, TimePoint now) const {
  const StoredItem* item = items_.get(args.target, now);
  if (!item) return;
  if (!item->is_mutable()) {
    r.value = item->value;
    return;
  }
  r.seq = item->seq;
  // BEP 44: a querier that already holds this seq gets only the number back.
  if (args.seq && item->seq <= *args.seq) return;
  r.value = item->value;
  r.key = item->key;
  r.signature = item->signature;
}

}  // namespace btnode::dht

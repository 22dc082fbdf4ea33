// Small helpers shared by the tracker unit tests.
#pragma once

#include <string>

#include "tracker/announce.h"

namespace btnode::tracker::test {

inline Hash20 hash_of(char c) {
  Hash20 h;
  h.fill(static_cast<std::uint8_t>(c));
  return h;
}

inline AnnounceRequest sample_request() {
  AnnounceRequest q;
  q.info_hash = hash_of('\x12');
  q.info_hash[0] = 0x00;
  q.info_hash[1] = 0xff;
  q.info_hash[2] = ' ';
  q.peer_id = *PeerId::from_bytes("-BN0100-abcdefghijkl");
  q.port = 6881;
  q.uploaded = 10;
  q.downloaded = 20;
  q.left = 30;
  q.event = Event::started;
  q.numwant = 40;
  return q;
}

inline Endpoint ep(const char* text) { return *Endpoint::parse(text); }

}  // namespace btnode::tracker::test

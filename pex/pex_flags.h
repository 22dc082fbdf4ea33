// BEP 11 `added.f` flags: what we say about a peer we pass on, and what we
// do with the flags a peer tells us (sans-I/O).
//
// Sent:  0x01 encryption   the connection to it runs MSE/PE with RC4, so it
//                          speaks (and chose) encryption
//        0x02 seed         it has every piece (or said upload_only)
//        0x04 uTP          never: btnode speaks TCP only
//        0x08 holepunch    never: ut_holepunch is not supported
//        0x10 reachable    we dialled it (an outgoing connection), so others can
//
// Taken: a peer flagged seed is not dialled while we seed ourselves (two
// seeds have nothing to trade); with MSE `prefer`, a peer flagged
// encryption is dialled encrypted first, one not flagged in plaintext first
// (the other way is still tried if the first fails).
#pragma once

#include <cstdint>

#include "pex/ut_pex.h"

namespace btnode::pex {

struct PeerFacts {
  bool outgoing = false;   // we dialled it
  bool encrypted = false;  // MSE/PE with RC4 on this connection
  bool seed = false;       // has all pieces or is upload_only
};

std::uint8_t flags_for(const PeerFacts& facts);

struct DialHint {
  bool skip = false;             // do not dial it
  bool encrypted_first = true;   // with MSE `prefer`: which handshake goes first
};

// `flags` as received in `added.f` (unknown bits ignored).
DialHint dial_hint(std::uint8_t flags, bool we_are_seed);

}  // namespace btnode::pex

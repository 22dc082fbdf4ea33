#include "pex/pex_flags.h"

namespace btnode::pex {

std::uint8_t flags_for(const PeerFacts& facts) {
  std::uint8_t flags = 0;
  if (facts.encrypted) flags |= kFlagEncryption;
  if (facts.seed) flags |= kFlagSeed;
  if (facts.outgoing) flags |= kFlagReachable;
  // kFlagUtp and kFlagHolepunch: not spoken here, never claimed for anyone.
  return flags;
}

DialHint dial_hint(std::uint8_t flags, bool we_are_seed) {
  DialHint hint;
  hint.skip = we_are_seed && (flags & kFlagSeed) != 0;
  hint.encrypted_first = (flags & kFlagEncryption) != 0;
  return hint;
}

}  // namespace btnode::pex

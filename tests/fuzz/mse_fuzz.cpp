// libFuzzer target for the MSE/PE handshake (wire::MseInitiator/MseReceiver).
//
// Byte 0 picks the mode, byte 1 the chunk size, byte 2 the policy:
//   0: arbitrary bytes to an MseReceiver;
//   1: arbitrary bytes to an MseInitiator after it sent Ya + PadA;
//   2: a real initiator <-> receiver exchange whose bytes in flight are
//      XOR-tampered at fuzzer-chosen offsets. RC4 is malleable, so this
//      steers the decrypted fields (VC, crypto_provide/select, pad and IA
//      lengths) that random bytes could never reach past the DH resync.
// Invariants: no crash, errors are sticky, nothing is buffered without bound
// (raw bytes cannot hit HASH('req1', S) or ENCRYPT(VC), so a side fed more
// than its resync window must have failed), a plain BitTorrent handshake is
// handed back byte for byte, and an untampered exchange always succeeds.
// DH keys come from the CSPRNG, so a run is not bit-for-bit repeatable.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/mse.h"
#include "wire/mse_initiator.h"
#include "wire/mse_receiver.h"

namespace {

using namespace btnode;
using namespace btnode::wire;

constexpr std::string_view kPlainPrefix =
    "\x13"
    "BitTorrent protocol";

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mse_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

MseSkey torrent() {
  MseSkey k{};
  k.fill(0x5A);
  return k;
}

MseReceiverOptions receiver_options(MsePolicy policy) {
  MseReceiverOptions o;
  o.policy = policy;
  o.find_skey = [](const Sha1Digest& req2) -> std::optional<MseSkey> {
    if (req2 == mse_req2_hash(torrent())) return torrent();
    return std::nullopt;
  };
  o.pad_b_length = 0;
  return o;
}

struct Fed {
  std::size_t bytes = 0;  // bytes accepted before the outcome or the error
  bool failed = false;
  std::optional<MseOutcome> outcome;
};

// Feeds data in chunks until the outcome or an error; replies go to `reply`.
template <class Side>
void feed_chunks(Side& side, std::string_view data, std::size_t chunk, Fed& fed,
                 std::string& reply) {
  for (std::size_t pos = 0; pos < data.size() && !fed.failed && !fed.outcome; pos += chunk) {
    const auto piece = data.substr(pos, chunk);
    auto step = side.feed(piece);
    if (!step) {
      fed.failed = true;
      check(!side.feed("x").has_value(), "a failed handshake accepted more bytes");
      return;
    }
    fed.bytes += piece.size();
    reply += step->send;
    if (step->outcome) fed.outcome = std::move(step->outcome);
  }
}

void fuzz_receiver(std::string_view data, std::size_t chunk, MsePolicy policy) {
  MseReceiver b(receiver_options(policy));
  Fed fed;
  std::string reply;
  feed_chunks(b, data, chunk, fed, reply);
  const bool plain = data.substr(0, kPlainPrefix.size()) == kPlainPrefix;
  if (plain && policy != MsePolicy::require) {
    check(fed.outcome.has_value(), "plain handshake not recognised");
    check(!fed.outcome->negotiated, "plain handshake reported as MSE");
    check(fed.outcome->remaining == data.substr(0, fed.bytes), "plain bytes not handed back");
  }
  if (!plain && data.size() >= kDhKeySize + kMseMaxPad + 20 + chunk) {
    check(fed.failed, "receiver kept buffering past the req1 window");
  }
}

void fuzz_initiator(std::string_view data, std::size_t chunk, MsePolicy policy) {
  if (policy == MsePolicy::disable) policy = MsePolicy::prefer;
  MseInitiator a(MseInitiatorOptions{torrent(), policy, "IA", {}, {}});
  (void)a.start();
  Fed fed;
  std::string reply;
  feed_chunks(a, data, chunk, fed, reply);
  if (data.size() >= kDhKeySize + kMseMaxPad + kMseVcSize + chunk) {
    check(fed.failed, "initiator kept buffering past the VC window");
  }
}

// Edits are (direction, offset, xor) quadruples of input bytes.
struct Edit {
  bool to_receiver;
  std::size_t offset;
  std::uint8_t mask;
};

std::vector<Edit> parse_edits(std::string_view data) {
  std::vector<Edit> edits;
  for (std::size_t i = 0; i + 3 < data.size() && edits.size() < 16; i += 4) {
    const auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(data[i + k]); };
    if (b(3) == 0) continue;  // a zero mask changes nothing
    edits.push_back(Edit{(b(0) & 1) == 0, static_cast<std::size_t>(b(1) << 8 | b(2)), b(3)});
  }
  return edits;
}

// One direction of the connection: counts bytes so edits hit stream offsets.
struct Link {
  bool to_receiver;
  std::size_t sent = 0;
  bool tampered = false;

  void carry(std::string& bytes, const std::vector<Edit>& edits) {
    for (const auto& e : edits) {
      if (e.to_receiver == to_receiver && e.offset >= sent && e.offset < sent + bytes.size()) {
        bytes[e.offset - sent] = static_cast<char>(bytes[e.offset - sent] ^ e.mask);
        tampered = true;
      }
    }
    sent += bytes.size();
  }
};

void check_untampered(MsePolicy policy, const std::string& ia, const Fed& fa, const Fed& fb) {
  check(!fa.failed && !fb.failed, "an untampered exchange failed");
  check(fa.outcome && fb.outcome, "an untampered exchange did not finish");
  if (policy == MsePolicy::disable) {
    check(!fb.outcome->negotiated, "plain initiator seen as MSE");
    return;
  }
  // The receiver runs `prefer`: offered RC4 alone (initiator `require`) it
  // takes RC4; offered both (initiator `prefer`) it takes plaintext, like
  // libtorrent, and only the handshake stays obfuscated.
  const MseCrypto expected = policy == MsePolicy::require ? MseCrypto::rc4 : MseCrypto::plaintext;
  check(fa.outcome->crypto == expected && fb.outcome->crypto == expected,
        "the receiver did not choose the crypto its policy calls for");
  check(fb.outcome->initial_payload == ia, "IA changed in flight");
}

void fuzz_exchange(std::string_view data, std::size_t chunk, MsePolicy policy) {
  const auto edits = parse_edits(data);
  // With `disable` the payload goes out as is, so make it a real BEP 3 prefix.
  const std::string ia = std::string(kPlainPrefix) + std::string(48, 'h');
  MseInitiator a(MseInitiatorOptions{torrent(), policy, ia, 0, 0});
  MseReceiver b(receiver_options(MsePolicy::prefer));
  Link ab{true}, ba{false};
  Fed fa, fb;
  auto first = a.start();
  std::string to_b = std::move(first.send), to_a;
  if (first.outcome) fa.outcome = std::move(first.outcome);
  for (int round = 0; round < 6 && !(to_a.empty() && to_b.empty()); ++round) {
    ab.carry(to_b, edits);
    if (!fb.outcome && !fb.failed) feed_chunks(b, to_b, chunk, fb, to_a);
    to_b.clear();
    ba.carry(to_a, edits);
    if (!fa.outcome && !fa.failed) feed_chunks(a, to_a, chunk, fa, to_b);
    to_a.clear();
  }
  if (!ab.tampered && !ba.tampered) check_untampered(policy, ia, fa, fb);
  if (fb.outcome && fb.outcome->negotiated) {
    check(fb.outcome->info_hash == torrent(), "receiver reported an info-hash it does not serve");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
  if (size < 3) return 0;
  const std::string_view data(reinterpret_cast<const char*>(raw), size);
  const std::size_t chunk = static_cast<std::uint8_t>(data[1]) % 64 + 1;
  const auto policy = static_cast<MsePolicy>(static_cast<std::uint8_t>(data[2]) % 3);
  switch (static_cast<std::uint8_t>(data[0]) % 3) {
    case 0:
      fuzz_receiver(data.substr(3), chunk, policy);
      break;
    case 1:
      fuzz_initiator(data.substr(3), chunk, policy);
      break;
    default:
      fuzz_exchange(data.substr(3), chunk, policy);
      break;
  }
  return 0;
}

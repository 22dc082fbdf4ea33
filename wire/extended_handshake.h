// The BEP 10 extended handshake: the bencoded dict sent as extended message 0.
//
// Parsing is tolerant by design (BEP 10: "Any unknown names should be
// ignored"): unknown keys are skipped, and a known key with the wrong type or
// an out-of-range value is dropped as if absent rather than failing the
// connection, because real clients send odd values (negative ports, huge
// reqq). Only a payload that is not a bencoded dict at all is an error.
// Everything kept is bounded: names, `v`, the number of `m` entries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/endpoint.h"
#include "core/result.h"

namespace btnode::wire {

inline constexpr std::uint8_t kExtendedHandshakeId = 0;         // BEP 10
inline constexpr std::string_view kUtMetadata = "ut_metadata";  // BEP 9
inline constexpr std::string_view kUtPex = "ut_pex";            // BEP 11

struct ExtendedHandshakeLimits {
  std::size_t max_payload = 64 * 1024;
  std::size_t max_extensions = 64;    // `m` entries kept
  std::size_t max_name_size = 64;     // longer extension names are ignored
  std::size_t max_client_size = 128;  // `v` is cut to this many bytes
  std::uint32_t max_reqq = 100'000;   // larger values are clamped
};

struct ExtendedHandshake {
  // `m`: extension name -> the id the SENDER wants to receive it on; 0
  // disables (BEP 10: the dict is additive across repeated handshakes, so a 0
  // must be kept to switch an extension off).
  std::map<std::string, std::uint8_t, std::less<>> extensions;
  std::optional<std::string> client;           // `v`
  std::optional<std::uint16_t> listen_port;    // `p`, 1..65535
  std::optional<std::uint32_t> reqq;           // outstanding requests the sender accepts, >= 1
  std::optional<Endpoint> your_ip;             // `yourip` (4 or 16 bytes), port 0
  std::optional<Endpoint> ipv4;                // `ipv4`, port 0
  std::optional<Endpoint> ipv6;                // `ipv6`, port 0
  std::optional<std::uint32_t> metadata_size;  // BEP 9, > 0
  bool upload_only = false;                    // BEP 21 `upload_only` (a seed or partial seed)

  // The id to send `name` messages on, if the peer enabled it.
  std::optional<std::uint8_t> id_of(std::string_view name) const;
  bool operator==(const ExtendedHandshake&) const = default;
};

// The bencoded payload (without the extended-message envelope). Keys are
// written in sorted order; absent optionals are omitted.
std::string encode_extended_handshake(const ExtendedHandshake& handshake);
Result<ExtendedHandshake> decode_extended_handshake(std::string_view payload,
                                                    const ExtendedHandshakeLimits& limits = {});

// Applies a later handshake on top of an earlier one (BEP 10: `m` is
// additive; other keys replace when present, and upload_only takes the later
// value). New names stop being added at limits.max_extensions, so repeated
// handshakes cannot grow the map without bound.
void merge_extended_handshake(ExtendedHandshake& into, const ExtendedHandshake& update,
                              const ExtendedHandshakeLimits& limits = {});

}  // namespace btnode::wire

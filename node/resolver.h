// Turns "host:port" names (bootstrap routers, peers given by name) into UDP
// endpoints without blocking the network thread.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <vector>

#include "core/endpoint.h"

namespace btnode::node {

struct ResolveOptions {
  bool want_v4 = true;
  bool want_v6 = true;
};

using ResolveDone = std::function<void(const HostPort& name, std::vector<Endpoint> endpoints)>;

// Calls `done` once per name, on the io_context thread, with the endpoints
// found (empty when the name does not resolve; the failure is logged).
// Address literals complete without a lookup, still asynchronously, so
// callers see one order of events.
void resolve_udp(asio::io_context& io, const std::vector<HostPort>& names,
                 const ResolveOptions& options, ResolveDone done);

}  // namespace btnode::node

#include "node/resolver.h"

#include <spdlog/spdlog.h>

#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <memory>

#include "node/asio_endpoint.h"

namespace btnode::node {
namespace {

bool wanted(const Endpoint& e, const ResolveOptions& options) {
  return e.is_v4() ? options.want_v4 : options.want_v6;
}

void resolve_one(asio::io_context& io, const HostPort& name, const ResolveOptions& options,
                 const ResolveDone& done) {
  if (auto literal = name.endpoint()) {
    std::vector<Endpoint> found;
    if (wanted(*literal, options)) found.push_back(*literal);
    asio::post(io, [name, found, done] { done(name, found); });
    return;
  }
  // The resolver must live until its handler runs; the handler owns it.
  auto resolver = std::make_shared<asio::ip::udp::resolver>(io);
  resolver->async_resolve(
      name.host, std::to_string(name.port),
      [resolver, name, options, done](const std::error_code& ec,
                                      const asio::ip::udp::resolver::results_type& results) {
        std::vector<Endpoint> found;
        if (ec) spdlog::warn("cannot resolve {}: {}", name.to_string(), ec.message());
        for (const auto& entry : results) {
          const Endpoint e = from_asio(entry.endpoint()).unmapped();
          if (wanted(e, options)) found.push_back(e);
        }
        done(name, std::move(found));
      });
}

}  // namespace

void resolve_udp(asio::io_context& io, const std::vector<HostPort>& names,
                 const ResolveOptions& options, ResolveDone done) {
  for (const HostPort& name : names) resolve_one(io, name, options, done);
}

}  // namespace btnode::node

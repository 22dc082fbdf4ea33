#include "node/signals.h"

#include <csignal>

namespace btnode::node {

TerminationSignals::TerminationSignals(asio::io_context& io, std::function<void(int)> handler)
    : signals_(io, SIGINT, SIGTERM) {
  signals_.async_wait([handler = std::move(handler)](const std::error_code& ec, int signal) {
    if (!ec) handler(signal);
  });
}

void TerminationSignals::cancel() {
  std::error_code ec;
  signals_.cancel(ec);
}

}  // namespace btnode::node

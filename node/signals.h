// SIGINT/SIGTERM as an event on the io_context (CLI.md: stop cleanly, save
// state, exit 0). Handled through asio::signal_set so the handler runs on the
// network thread and may touch protocol state without locks.
#pragma once

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <functional>

namespace btnode::node {

class TerminationSignals {
 public:
  // `handler` runs once, with the signal number, on the first SIGINT/SIGTERM.
  TerminationSignals(asio::io_context& io, std::function<void(int)> handler);
  // Stops waiting, so io_context::run() can return once other work is done.
  void cancel();

 private:
  asio::signal_set signals_;
};

}  // namespace btnode::node

#include "node/udp_socket.h"

#include <spdlog/spdlog.h>

#include <asio/ip/v6_only.hpp>
#include <asio/socket_base.hpp>

#include "node/asio_endpoint.h"

namespace btnode::node {
namespace {

// Large buffers absorb bursts (a bootstrap node sees thousands of queries
// per second); the kernel caps them at net.core.*mem_max silently.
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

}  // namespace

UdpSocket::UdpSocket(asio::io_context& io) : socket_(io) {}

Result<void> UdpSocket::open(const Endpoint& bind) {
  const auto where = to_asio_udp(bind);
  std::error_code ec;
  socket_.open(where.protocol(), ec);
  if (ec) return fail("cannot open UDP socket for " + bind.to_string() + ": " + ec.message());
  if (bind.is_v6()) socket_.set_option(asio::ip::v6_only(true), ec);
  socket_.set_option(asio::socket_base::receive_buffer_size(kSocketBufferBytes), ec);
  socket_.set_option(asio::socket_base::send_buffer_size(kSocketBufferBytes), ec);
  socket_.bind(where, ec);
  if (ec) {
    socket_.close(ec);
    return fail("cannot bind UDP " + bind.to_string() + ": " + ec.message());
  }
  socket_.non_blocking(true, ec);
  local_ = from_asio(socket_.local_endpoint(ec));
  return {};
}

void UdpSocket::start(Handler handler) {
  handler_ = std::move(handler);
  receive_next();
}

void UdpSocket::receive_next() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_, [this](const std::error_code& ec, std::size_t size) {
        if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
        if (!ec) {
          ++counters_.packets_in;
          counters_.bytes_in += size;
          handler_(std::string_view(buffer_.data(), size), from_asio(sender_));
        } else {
          // E.g. an ICMP error reported on the socket: not fatal for UDP.
          spdlog::debug("udp {}: receive error: {}", local_.to_string(), ec.message());
        }
        receive_next();
      });
}

bool UdpSocket::send(const Endpoint& to, std::string_view bytes) {
  if (!socket_.is_open()) return false;
  std::error_code ec;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), to_asio_udp(to), 0, ec);
  if (ec) {
    ++counters_.send_failures;
    spdlog::trace("udp {}: send to {} failed: {}", local_.to_string(), to.to_string(),
                  ec.message());
    return false;
  }
  ++counters_.packets_out;
  counters_.bytes_out += bytes.size();
  return true;
}

void UdpSocket::close() {
  std::error_code ec;
  socket_.close(ec);
}

}  // namespace btnode::node

#include "wire/message.h"

#include <cassert>

namespace btnode::wire {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void put_u16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void header(std::string& out, MessageId id, std::size_t body) {
  put_u32(out, static_cast<std::uint32_t>(1 + body));
  out += static_cast<char>(id);
}

void block_ref(std::string& out, MessageId id, const BlockRef& b) {
  header(out, id, 12);
  put_u32(out, b.piece);
  put_u32(out, b.begin);
  put_u32(out, b.length);
}

void index_message(std::string& out, MessageId id, std::uint32_t piece) {
  header(out, id, 4);
  put_u32(out, piece);
}

// One encoder per message type, picked by overload resolution in std::visit.
struct Encoder {
  std::string& out;

  void operator()(const KeepAlive&) const { put_u32(out, 0); }
  void operator()(const Choke&) const { header(out, MessageId::choke, 0); }
  void operator()(const Unchoke&) const { header(out, MessageId::unchoke, 0); }
  void operator()(const Interested&) const { header(out, MessageId::interested, 0); }
  void operator()(const NotInterested&) const { header(out, MessageId::not_interested, 0); }
  void operator()(const Have& m) const { index_message(out, MessageId::have, m.piece); }
  void operator()(const BitfieldMessage& m) const {
    header(out, MessageId::bitfield, m.bits.size());
    out += m.bits;
  }
  void operator()(const Request& m) const { block_ref(out, MessageId::request, m.block); }
  void operator()(const Piece& m) const {
    append_piece_header(out, m.piece, m.begin, static_cast<std::uint32_t>(m.data.size()));
    out += m.data;
  }
  void operator()(const Cancel& m) const { block_ref(out, MessageId::cancel, m.block); }
  void operator()(const Port& m) const {
    header(out, MessageId::port, 2);
    put_u16(out, m.port);
  }
  void operator()(const Suggest& m) const { index_message(out, MessageId::suggest, m.piece); }
  void operator()(const HaveAll&) const { header(out, MessageId::have_all, 0); }
  void operator()(const HaveNone&) const { header(out, MessageId::have_none, 0); }
  void operator()(const Reject& m) const { block_ref(out, MessageId::reject, m.block); }
  void operator()(const AllowedFast& m) const {
    index_message(out, MessageId::allowed_fast, m.piece);
  }
  void operator()(const Extended& m) const {
    header(out, MessageId::extended, 1 + m.payload.size());
    out += static_cast<char>(m.id);
    out += m.payload;
  }
  void operator()(const Unknown&) const { assert(false && "Unknown messages are not encodable"); }
};

struct Namer {
  std::string_view operator()(const KeepAlive&) const { return "keep-alive"; }
  std::string_view operator()(const Choke&) const { return "choke"; }
  std::string_view operator()(const Unchoke&) const { return "unchoke"; }
  std::string_view operator()(const Interested&) const { return "interested"; }
  std::string_view operator()(const NotInterested&) const { return "not interested"; }
  std::string_view operator()(const Have&) const { return "have"; }
  std::string_view operator()(const BitfieldMessage&) const { return "bitfield"; }
  std::string_view operator()(const Request&) const { return "request"; }
  std::string_view operator()(const Piece&) const { return "piece"; }
  std::string_view operator()(const Cancel&) const { return "cancel"; }
  std::string_view operator()(const Port&) const { return "port"; }
  std::string_view operator()(const Suggest&) const { return "suggest"; }
  std::string_view operator()(const HaveAll&) const { return "have all"; }
  std::string_view operator()(const HaveNone&) const { return "have none"; }
  std::string_view operator()(const Reject&) const { return "reject"; }
  std::string_view operator()(const AllowedFast&) const { return "allowed fast"; }
  std::string_view operator()(const Extended&) const { return "extended"; }
  std::string_view operator()(const Unknown&) const { return "unknown"; }
};

}  // namespace

std::string_view message_name(const Message& message) {
  return std::visit(Namer{}, message);
}

void append_message(std::string& out, const Message& message) {
  std::visit(Encoder{out}, message);
}

std::string encode_message(const Message& message) {
  std::string out;
  append_message(out, message);
  return out;
}

void append_piece_header(std::string& out, std::uint32_t piece, std::uint32_t begin,
                         std::uint32_t block_size) {
  header(out, MessageId::piece, 8 + std::size_t{block_size});
  put_u32(out, piece);
  put_u32(out, begin);
}

}  // namespace btnode::wire

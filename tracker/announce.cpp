#include "tracker/announce.h"

#include <algorithm>

namespace btnode::tracker {

std::string_view event_name(Event e) {
  switch (e) {
    case Event::started:
      return "started";
    case Event::completed:
      return "completed";
    case Event::stopped:
      return "stopped";
    case Event::none:
      break;
  }
  return "";
}

std::uint32_t clamp_interval(std::int64_t seconds) {
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(seconds, kMinInterval, kMaxInterval));
}

}  // namespace btnode::tracker

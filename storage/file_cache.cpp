#include "storage/file_cache.h"

#include <vector>

namespace btnode::storage {

std::shared_ptr<OpenFile> FileCache::find(std::size_t file, bool need_write) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(file);
  if (it == entries_.end()) return nullptr;
  if (need_write && !it->second.handle->writable()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.handle;
}

std::shared_ptr<OpenFile> FileCache::insert(std::size_t file, std::shared_ptr<OpenFile> handle) {
  // Declared before the lock so close() runs after it is released.
  std::vector<std::shared_ptr<OpenFile>> evicted;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(file);
  if (it != entries_.end()) {
    // Another worker opened the file meanwhile: keep the writable one.
    if (it->second.handle->writable() || !handle->writable()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.handle;
    }
    it->second.handle = handle;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return handle;
  }
  lru_.push_front(file);
  entries_.emplace(file, Entry{handle, lru_.begin()});
  while (entries_.size() > limit_) {
    auto victim = entries_.find(lru_.back());
    evicted.push_back(std::move(victim->second.handle));
    entries_.erase(victim);
    lru_.pop_back();
  }
  return handle;
}

void FileCache::erase(std::size_t file) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(file);
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void FileCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  lru_.clear();
}

std::size_t FileCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace btnode::storage

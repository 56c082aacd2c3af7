#include "template/template_cache.h"

#include <utility>

namespace runhook::templating {

TemplateCache::TemplateCache(size_t max_entries, size_t max_source_bytes)
    : max_entries_(max_entries), max_source_bytes_(max_source_bytes) {}

Template TemplateCache::Get(std::string_view source, std::string_view name) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = index_.find(source); found != index_.end()) {
      entries_.splice(entries_.begin(), entries_, found->second);  // now the most recent
      return found->second->compiled;
    }
  }
  Template compiled = Template::Compile(source, name);  // throws; nothing is cached then
  if (source.size() > max_source_bytes_ || max_entries_ == 0) return compiled;
  std::lock_guard lock(mutex_);
  if (index_.find(source) != index_.end()) return compiled;  // another thread cached it meanwhile
  while (!entries_.empty() &&
         (entries_.size() >= max_entries_ || source_bytes_ + source.size() > max_source_bytes_)) {
    Entry& oldest = entries_.back();
    source_bytes_ -= oldest.source.size();
    index_.erase(oldest.source);
    entries_.pop_back();
  }
  entries_.push_front(Entry{std::string(source), compiled});
  index_.emplace(entries_.front().source, entries_.begin());
  source_bytes_ += source.size();
  return compiled;
}

size_t TemplateCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace runhook::templating

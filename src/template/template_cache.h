// TemplateCache: compiled templates by their source text, so a template rendered again and again
// (a hook's url, headers and body at every event) is compiled once.
//
// Keyed by the source text alone (default CompileOptions): two hooks with the same body share
// one compiled template. A cached template carries the name of the compile that filled its
// entry; the name appears only in TemplateError::what() and template_name(), so a caller that
// reports errors by type(), line(), column() and message() sees the same as after its own
// Compile. A source that does not compile is not cached: Get throws as Compile does, each time.
//
// Bounded: at most `max_entries` templates and `max_source_bytes` of source text; the least
// recently used are dropped first. A source longer than `max_source_bytes` is compiled and
// returned but not kept.
//
// Thread safety: all methods may be called from many threads at once (one internal mutex, not
// held while compiling; two threads missing the same source may both compile it). A returned
// Template is immutable and stays valid after its entry is dropped (it shares the compiled tree).
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "template/template.h"

namespace runhook::templating {

class TemplateCache {
 public:
  explicit TemplateCache(size_t max_entries = 1024, size_t max_source_bytes = 4 << 20);
  TemplateCache(const TemplateCache&) = delete;
  TemplateCache& operator=(const TemplateCache&) = delete;

  // The compiled `source`: the cached one, or a new one compiled with `name` (and then cached).
  // Throws TemplateError as Template::Compile does.
  Template Get(std::string_view source, std::string_view name);

  size_t size() const;  // entries held now

 private:
  struct Entry {
    std::string source;
    Template compiled;
  };
  using EntryList = std::list<Entry>;  // most recently used first; nodes never move

  const size_t max_entries_;
  const size_t max_source_bytes_;
  mutable std::mutex mutex_;
  EntryList entries_;                                                // guarded by mutex_
  std::unordered_map<std::string_view, EntryList::iterator> index_;  // keys view entries_' text
  size_t source_bytes_ = 0;                                          // guarded by mutex_
};

}  // namespace runhook::templating

// PreparedContext: a render context (a JSON object) prepared once and rendered against many
// times, by any number of templates and threads (Template::Render(const PreparedContext&, ...)).
//
// Preparing indexes every path of names through objects (`run.project.name`) in one hash table
// and sorts each small object's keys as `dictsort` does (case-insensitive, stable), so that a
// render finds `run.project.name` with one probe instead of scanning each object's keys, and
// iterates `run.config|dictsort` without sorting it again (see prepared_index.h). Rendering
// against it gives the same output, errors and undefined names as rendering against the JSON.
//
// Ownership: the PreparedContext owns its JSON; copies share it (a shared_ptr, because every
// hook of an event and every thread rendering them use the same prepared context and it must
// live as long as the last of them). Immutable after construction (everything is computed
// eagerly), so it may be read by many threads at once.
#pragma once

#include <memory>

#include "core/json.h"

namespace runhook::templating {

namespace detail {
struct PreparedIndex;
}

class PreparedContext {
 public:
  // `context` is the top-level variables: a JSON object (or null for none). Anything else is
  // accepted here and rejected by Render with the same TypeError as Render(const Json&).
  // Copies share the prepared index; a moved-from PreparedContext may only be assigned to or
  // destroyed.
  explicit PreparedContext(Json context);

  const Json& json() const;

  // For the renderer: the index built from json() (see prepared_index.h).
  const detail::PreparedIndex& index() const { return *index_; }

 private:
  std::shared_ptr<const detail::PreparedIndex> index_;  // shared: see the file comment
};

}  // namespace runhook::templating

// Init's modes (Options::mode): "online" talks to the server; "offline" records the run only in
// its run directory, for `runhook sync DIR` to upload later; "disabled" makes every call a cheap
// no-op. Also the spool every non-disabled run keeps in its run directory (sdk/spool.h).
//
// Thread safety: called by Init only.
#pragma once

#include <memory>
#include <string>

#include "core/json.h"
#include "sdk/spool.h"

namespace runhook::detail {

class RunState;

// Options::mode when not empty, else $RUNHOOK_MODE when set and not empty, else "online".
// Throws runhook::Error naming the value when it is not online, offline or disabled.
// ($WANDB_MODE is deliberately not read: it configures wandb, which may run beside runhook.)
std::string ResolveMode(const std::string& mode);

// The spool of `state`'s run directory (core::RunDirectory), with `registration` as its register
// record; `registered`: the server already has the run. Sets state.directory. Returns null, with
// a warning on stderr, when there is no data directory (then an online run keeps its backlog in
// memory).
std::unique_ptr<sdk::SpoolWriter> OpenSpool(RunState& state, const Json& registration,
                                            bool registered);

// Completes a run of mode "offline" or "disabled" (state.mode) without contacting any server:
// offline records the registration and `start` in the spool, starts the shipping thread (which
// appends to the spool only), watches the run for signals and prints one line naming the run
// directory and the sync command unless `quiet`; disabled sets a shipper that discards
// everything. Throws runhook::Error when an offline run's directory cannot be created.
void StartLocalRun(RunState& state, const Json& registration, bool quiet);

}  // namespace runhook::detail

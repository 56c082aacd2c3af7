// What the SDK knows about the exception that is ending a run: its type and what().
//
// The problem: when a Run is destroyed while an exception unwinds the stack, the C++ runtime gives
// the destructor no access to that exception (std::current_exception() only sees caught ones).
//
// The mechanism: this library defines `__cxa_throw`, the Itanium C++ ABI entry point every
// `throw` expression calls. A program that links the SDK statically (the usual case) resolves
// `throw` to this definition, and, because the executable's symbols come first in the dynamic
// linker's search order, so do the `throw`s inside shared libraries, libstdc++ included. The
// wrapper records, in a thread-local record of fixed size (no allocation, cannot throw), the
// thrown type's std::type_info and, when that type derives from std::exception (checked with
// the same upcast the runtime uses to match a `catch`, type_info::__do_catch), a copy of what().
// Then it calls the runtime's own __cxa_throw, found with dlsym(RTLD_NEXT). The cost per throw is
// one virtual call and one bounded copy of what().
//
// Limits: only the last throw per thread is kept, so an exception thrown and caught inside a
// destructor during unwinding replaces the record; std::rethrow_exception (e.g. from
// std::future::get) does not pass through __cxa_throw, so the record names the last `throw` on
// this thread. A program that links libstdc++ statically (-static-libstdc++) would get two
// definitions of __cxa_throw; the SDK assumes the shared libstdc++.
//
// Thread safety: every function may be called from any thread; records are per thread.
#pragma once

#include <optional>
#include <string>

namespace runhook::sdk {

struct ExceptionDescription {
  std::string type;     // demangled, e.g. "std::runtime_error"; "unknown" when not known
  std::string message;  // what() for a std::exception, else empty
};

// The last exception thrown on the calling thread, if any was thrown since the thread started.
std::optional<ExceptionDescription> LastThrownException();

// The exception currently being handled (inside a catch block or a terminate handler), if any.
std::optional<ExceptionDescription> CurrentException();

// The demangled name of a mangled C++ type name ("St13runtime_error" -> "std::runtime_error");
// the input when it cannot be demangled.
std::string DemangleTypeName(const char* mangled);

}  // namespace runhook::sdk

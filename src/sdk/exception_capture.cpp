#include "sdk/exception_capture.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>

namespace runhook::sdk {
namespace {

using ThrowFunction = void (*)(void*, std::type_info*, void (*)(void*));

// Trivial, so the thread_local needs no constructor and recording cannot fail.
struct ThrowRecord {
  const std::type_info* type;  // null until the first throw on this thread
  bool has_message;
  char message[2048];  // what(), cut to fit, NUL-terminated
};

thread_local ThrowRecord last_throw;

void Record(void* thrown_object, const std::type_info* type) {
  last_throw.type = type;
  last_throw.has_message = false;
  void* adjusted = thrown_object;
  // The runtime's own catch matching: true (and `adjusted` points at the std::exception
  // subobject) when `type` is std::exception or a class publicly derived from it.
  if (type != nullptr && typeid(std::exception).__do_catch(type, &adjusted, 1)) {
    const char* text = static_cast<const std::exception*>(adjusted)->what();
    if (text == nullptr) text = "";
    const size_t length = std::min(std::strlen(text), sizeof last_throw.message - 1);
    std::memcpy(last_throw.message, text, length);
    last_throw.message[length] = '\0';
    last_throw.has_message = true;
  }
}

ThrowFunction FindRuntimeThrow();

std::atomic<ThrowFunction> runtime_throw{nullptr};

}  // namespace
}  // namespace runhook::sdk

namespace __cxxabiv1 {
extern "C" void __cxa_throw(void* thrown_object, std::type_info* type, void (*destructor)(void*)) {
  using namespace runhook::sdk;
  Record(thrown_object, type);
  ThrowFunction real = runtime_throw.load(std::memory_order_acquire);
  if (real == nullptr) {
    real = FindRuntimeThrow();
    runtime_throw.store(real, std::memory_order_release);
  }
  real(thrown_object, type, destructor);
  __builtin_unreachable();
}
}  // namespace __cxxabiv1

namespace runhook::sdk {
namespace {

ThrowFunction FindRuntimeThrow() {
  const auto self = reinterpret_cast<void*>(&__cxxabiv1::__cxa_throw);
  void* found = dlsym(RTLD_NEXT, "__cxa_throw");
  if (found == nullptr || found == self) {
    if (void* runtime = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_NOLOAD)) {
      found = dlsym(runtime, "__cxa_throw");
      dlclose(runtime);
    }
  }
  if (found == nullptr || found == self) {
    static const char kMessage[] = "runhook: cannot find the C++ runtime's __cxa_throw\n";
    (void)!write(2, kMessage, sizeof kMessage - 1);
    std::abort();
  }
  return reinterpret_cast<ThrowFunction>(found);
}

}  // namespace

std::string DemangleTypeName(const char* mangled) {
  if (mangled == nullptr) return "unknown";
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return name;
}

std::optional<ExceptionDescription> LastThrownException() {
  if (last_throw.type == nullptr) return std::nullopt;
  return ExceptionDescription{DemangleTypeName(last_throw.type->name()),
                              last_throw.has_message ? last_throw.message : ""};
}

std::optional<ExceptionDescription> CurrentException() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return std::nullopt;
  ExceptionDescription description{DemangleTypeName(type->name()), ""};
  try {
    std::rethrow_exception(std::current_exception());
  } catch (const std::exception& error) {
    description.message = error.what();
  } catch (...) {
  }
  return description;
}

}  // namespace runhook::sdk

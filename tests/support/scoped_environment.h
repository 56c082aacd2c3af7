// Test helper shared by the test executables: sets (or unsets, for a null value) an environment
// variable for the lifetime of the object and restores the old value afterwards. Tests that use
// it must not run threads that read the environment at the same time.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace runhook::test_support {

class ScopedEnvironment {
 public:
  ScopedEnvironment(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value)
      setenv(name_.c_str(), value, 1);
    else
      unsetenv(name_.c_str());
  }
  ~ScopedEnvironment() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace runhook::test_support

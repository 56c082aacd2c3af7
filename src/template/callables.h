// Callable values created while rendering: macros, `caller`, bound methods (string, dict, list
// and loop methods), the recursive `loop(...)`, and the global functions range(), dict(),
// namespace(), joiner() and cycler().
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "template/node.h"
#include "template/renderer.h"
#include "template/value.h"

namespace runhook::templating {

// A {% macro %} or the body of a {% call %} block (named "caller").
class MacroCallable : public Callable {
 public:
  MacroCallable(const Statement& statement, std::vector<std::weak_ptr<Frame>> closure, Value caller)
      : statement_(statement), closure_(std::move(closure)), caller_(std::move(caller)) {}
  Value Call(Renderer& renderer, CallArguments& arguments) const override;
  std::string Repr() const override { return "<Macro '" + std::string(statement_.text) + "'>"; }
  std::string_view TypeName() const override { return "Macro"; }

 private:
  const Statement& statement_;
  std::vector<std::weak_ptr<Frame>> closure_;
  Value caller_;  // for a call block: none
};

// `object.name` where name is a method of object's type; calling it runs the method.
class BoundMethod : public Callable {
 public:
  BoundMethod(Value object, std::string name)
      : object_(std::move(object)), name_(std::move(name)) {}
  Value Call(Renderer& renderer, CallArguments& arguments) const override;
  std::string Repr() const override;
  std::string_view TypeName() const override { return "builtin_function_or_method"; }

 private:
  Value object_;
  std::string name_;
};

// loop(...) inside {% for ... recursive %}.
class LoopRecursion : public Callable {
 public:
  LoopRecursion(const Statement& loop, int depth) : loop_(loop), depth_(depth) {}
  Value Call(Renderer& renderer, CallArguments& arguments) const override;
  std::string Repr() const override { return "<bound method LoopContext.__call__>"; }

 private:
  const Statement& loop_;
  int depth_;
};

// The global functions, or an undefined-free none when `name` is not one.
bool FindGlobal(std::string_view name, Value* found);

// Whether `object` has a method called `name` (so `object.name` is a bound method).
bool HasMethod(const Value& object, std::string_view name);
// Whether some type has a method called `name`: false means HasMethod is false for every object,
// so the parser decides it once per attribute node instead of the renderer once per access.
bool MayBeMethodName(std::string_view name);
// Calls object.name(arguments). REQUIRES: HasMethod(object, name).
Value CallMethod(Renderer& renderer, const Value& object, std::string_view name,
                 CallArguments& arguments);

}  // namespace runhook::templating

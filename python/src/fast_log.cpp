// NativeRun.log as a raw CPython function (METH_FASTCALL | METH_KEYWORDS): the hot path of
// runhook.log() without pybind11's argument dispatch. A dict of str keys to float, int, bool or
// str values is appended straight to the SDK's LogBuffer (detail::RunAccess::LogPairs); anything
// else (nested values, numpy scalars, bad keys, a step going back, a finished run) goes to the
// pybind11-bound NativeRun._log, which converts through Json, warns and raises as documented.
#include <Python.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bindings.h"
#include "native_run.h"
#include "sdk/run_access.h"

namespace py = pybind11;

namespace runhook::python {
namespace {

constexpr const char* kCapsuleName = "runhook._runhook.NativeRun.log";

struct LogArguments {
  PyObject* data = nullptr;
  PyObject* step = Py_None;
  PyObject* commit = Py_None;
};

// Fills `out` from log(data, step=None, commit=None)'s arguments; false when they do not fit
// (the slow path then raises the right TypeError).
bool ParseArguments(PyObject* const* args, Py_ssize_t positional, PyObject* keyword_names,
                    LogArguments& out) {
  if (positional > 3) return false;
  PyObject** slots[] = {&out.data, &out.step, &out.commit};
  for (Py_ssize_t index = 0; index < positional; ++index) *slots[index] = args[index];
  if (keyword_names == nullptr) return out.data != nullptr;
  const Py_ssize_t keywords = PyTuple_GET_SIZE(keyword_names);
  for (Py_ssize_t index = 0; index < keywords; ++index) {
    PyObject* name = PyTuple_GET_ITEM(keyword_names, index);
    Py_ssize_t slot = -1;
    if (PyUnicode_CompareWithASCIIString(name, "data") == 0)
      slot = 0;
    else if (PyUnicode_CompareWithASCIIString(name, "step") == 0)
      slot = 1;
    else if (PyUnicode_CompareWithASCIIString(name, "commit") == 0)
      slot = 2;
    if (slot < 0 || slot < positional) return false;  // unknown, or given twice
    *slots[slot] = args[positional + index];
  }
  return out.data != nullptr;
}

PyObject* CallSlowLog(PyObject* owner, PyObject* const* args, Py_ssize_t positional,
                      PyObject* keyword_names) {
  PyObject* method = PyObject_GetAttrString(owner, "_log");
  if (method == nullptr) return nullptr;
  PyObject* result =
      PyObject_Vectorcall(method, args, static_cast<size_t>(positional), keyword_names);
  Py_DECREF(method);
  return result;
}

PyObject* FastLog(PyObject* capsule, PyObject* const* args, Py_ssize_t positional,
                  PyObject* keyword_names) {
  auto* run = static_cast<NativeRun*>(PyCapsule_GetPointer(capsule, kCapsuleName));
  if (run == nullptr) return nullptr;
  LogArguments parsed;
  if (ParseArguments(args, positional, keyword_names, parsed) &&
      run->TryLogFast(parsed.data, parsed.step, parsed.commit))
    Py_RETURN_NONE;
  auto* owner = static_cast<PyObject*>(PyCapsule_GetContext(capsule));
  return CallSlowLog(owner, args, positional, keyword_names);
}

PyMethodDef kLogDefinition = {
    "log", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&FastLog)),
    METH_FASTCALL | METH_KEYWORDS,
    "log(data, step=None, commit=None)\n--\n\nLogs a dict of metrics with wandb's step and "
    "commit rules; never waits on the network."};

void ReleaseOwner(PyObject* capsule) {
  Py_XDECREF(static_cast<PyObject*>(PyCapsule_GetContext(capsule)));
}

}  // namespace

bool NativeRun::TryLogFast(PyObject* data, PyObject* step, PyObject* commit) {
  if (finished_ || !PyDict_CheckExact(data)) return false;
  bool commit_now;
  if (commit == Py_None)
    commit_now = step == Py_None;
  else if (commit == Py_True || commit == Py_False)
    commit_now = commit == Py_True;
  else
    return false;
  int64_t target = step_;
  if (step != Py_None) {
    if (!PyLong_CheckExact(step)) return false;
    int overflow = 0;
    const long long requested = PyLong_AsLongLongAndOverflow(step, &overflow);
    if (overflow != 0 || requested < step_) return false;  // the slow path warns or raises
    target = requested;
  }
  pairs_.clear();
  Py_ssize_t position = 0;
  PyObject* key;
  PyObject* value;
  while (PyDict_Next(data, &position, &key, &value)) {
    if (!PyUnicode_CheckExact(key)) return false;
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(key, &size);
    if (text == nullptr) {
      PyErr_Clear();
      return false;
    }
    const std::string_view name(text, static_cast<size_t>(size));
    if (PyFloat_CheckExact(value)) {
      pairs_.emplace_back(name, PyFloat_AS_DOUBLE(value));
    } else if (PyLong_CheckExact(value)) {
      int overflow = 0;
      const long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
      if (overflow != 0) return false;
      pairs_.emplace_back(name, number);
    } else if (PyBool_Check(value)) {
      pairs_.emplace_back(name, value == Py_True);
    } else if (PyUnicode_CheckExact(value)) {
      const char* characters = PyUnicode_AsUTF8AndSize(value, &size);
      if (characters == nullptr) {
        PyErr_Clear();
        return false;
      }
      pairs_.emplace_back(name, std::string(characters, static_cast<size_t>(size)));
    } else {
      return false;
    }
  }
  step_ = target;
  if (!pairs_.empty()) detail::RunAccess::LogPairs(*run_, pairs_, step_);
  if (commit_now) ++step_;
  return true;
}

py::object MakeLogFunction(py::object owner, NativeRun& run) {
  PyObject* capsule = PyCapsule_New(&run, kCapsuleName, &ReleaseOwner);
  if (capsule == nullptr) throw py::error_already_set();
  PyCapsule_SetContext(capsule, owner.release().ptr());  // the capsule keeps the run alive
  PyObject* function = PyCFunction_NewEx(&kLogDefinition, capsule, nullptr);
  Py_DECREF(capsule);
  if (function == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(function);
}

}  // namespace runhook::python

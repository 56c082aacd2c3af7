#include "value_conversion.h"

#include <utility>
#include <vector>

namespace py = pybind11;

namespace runhook::python {
namespace {

constexpr int kMaxDepth = 100;

// Thrown inside the conversion; carries the path from the failing value up to the top, and
// becomes one TypeError at the top level (so the error path costs nothing when all is well).
struct Unconvertible {
  std::vector<std::string> reversed_path;  // innermost first: "[2]", ".grads", ...
  std::string reason;
};

std::string TypeName(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

std::string ShapeText(py::handle value) {
  if (!py::hasattr(value, "shape")) return "";
  try {
    py::object shape = value.attr("shape");
    py::object as_tuple = py::reinterpret_steal<py::object>(PySequence_Tuple(shape.ptr()));
    if (!as_tuple) throw py::error_already_set();
    return " of shape " + py::str(as_tuple).cast<std::string>();
  } catch (const py::error_already_set&) {
    return "";
  }
}

Json Convert(py::handle value, int depth);

Json ConvertMapping(py::handle mapping, int depth) {
  Json object = Json::object();
  py::object items = PyDict_Check(mapping.ptr())
                         ? py::reinterpret_borrow<py::object>(mapping)
                         : py::dict(py::reinterpret_borrow<py::object>(mapping.attr("items")()));
  for (auto [key, item] : py::reinterpret_borrow<py::dict>(items)) {
    if (!PyUnicode_Check(key.ptr()))
      throw Unconvertible{{},
                          "a dict key must be a str, got " + TypeName(key) + " " +
                              py::repr(key).cast<std::string>()};
    std::string name = key.cast<std::string>();
    try {
      object[name] = Convert(item, depth + 1);
    } catch (Unconvertible& error) {
      error.reversed_path.push_back("." + name);
      throw;
    }
  }
  return object;
}

Json ConvertSequence(py::handle sequence, int depth) {
  Json array = Json::array();
  size_t index = 0;
  for (py::handle item : sequence) {
    try {
      array.push_back(Convert(item, depth + 1));
    } catch (Unconvertible& error) {
      error.reversed_path.push_back("[" + std::to_string(index) + "]");
      throw;
    }
    ++index;
  }
  return array;
}

// numpy scalars, 0-d arrays and 0-d tensors: whatever `.item()` gives.
Json ConvertScalarObject(py::handle value, int depth) {
  if (!py::hasattr(value, "item"))
    throw Unconvertible{{},
                        "values of type " + TypeName(value) +
                            " cannot be stored (use a number, bool, str, None, dict or list)"};
  if (py::hasattr(value, "ndim") && py::int_(value.attr("ndim")).cast<long>() != 0)
    throw Unconvertible{{},
                        "a " + TypeName(value) + ShapeText(value) +
                            " is not a scalar; log .item() of a one-element value or .tolist()"};
  return Convert(value.attr("item")(), depth + 1);
}

Json Convert(py::handle value, int depth) {
  if (depth > kMaxDepth)
    throw Unconvertible{
        {},
        "nested more than " + std::to_string(kMaxDepth) + " levels deep (does it contain itself?)"};
  PyObject* object = value.ptr();
  if (object == Py_None) return nullptr;
  if (PyBool_Check(object)) return object == Py_True;
  if (PyFloat_Check(object)) return PyFloat_AS_DOUBLE(object);
  if (PyLong_Check(object)) {
    int overflow = 0;
    const long long number = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow == 0) return static_cast<int64_t>(number);
    throw Unconvertible{
        {},
        "the int " + py::str(value).cast<std::string>() +
            " does not fit in a signed 64-bit integer (log it as a float or a str)"};
  }
  if (PyUnicode_Check(object)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(object, &size);
    if (text == nullptr) {
      PyErr_Clear();
      throw Unconvertible{{}, "the str is not valid Unicode (it holds a lone surrogate)"};
    }
    return std::string(text, static_cast<size_t>(size));
  }
  if (PyDict_Check(object)) return ConvertMapping(value, depth);
  if (PyList_Check(object) || PyTuple_Check(object)) return ConvertSequence(value, depth);
  static const py::handle mapping_type =
      py::object(py::module_::import("collections.abc").attr("Mapping")).release();
  if (PyObject_IsInstance(object, mapping_type.ptr()) == 1) return ConvertMapping(value, depth);
  return ConvertScalarObject(value, depth);
}

[[noreturn]] void RaiseTypeError(std::string_view what, const std::string& top_key,
                                 const Unconvertible& error) {
  std::string path = top_key;
  for (auto part = error.reversed_path.rbegin(); part != error.reversed_path.rend(); ++part)
    path += *part;
  std::string message = std::string(what) + ": cannot store the value";
  if (!path.empty()) message += " at key '" + (path[0] == '.' ? path.substr(1) : path) + "'";
  throw py::type_error(message + ": " + error.reason);
}

}  // namespace

Json ToJson(py::handle value, std::string_view what) {
  try {
    return Convert(value, 0);
  } catch (const Unconvertible& error) {
    RaiseTypeError(what, "", error);
  }
}

void DictToJsonObject(py::handle values, std::string_view what, Json& out) {
  if (!PyDict_Check(values.ptr()))
    throw py::type_error(std::string(what) + " expects a dict of names to values, got " +
                         TypeName(values));
  auto& members = out.get_ref<Json::object_t&>();
  members.clear();
  PyObject* key = nullptr;
  PyObject* item = nullptr;
  Py_ssize_t position = 0;
  while (PyDict_Next(values.ptr(), &position, &key, &item)) {
    Py_ssize_t size = 0;
    const char* name = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &size) : nullptr;
    if (name == nullptr) {
      PyErr_Clear();
      throw py::type_error(std::string(what) + ": keys must be str, got " +
                           TypeName(py::handle(key)) + " " +
                           py::repr(py::handle(key)).cast<std::string>());
    }
    try {
      // Keys of a dict are unique, so append without the map's duplicate search.
      members.Container::emplace_back(std::string(name, static_cast<size_t>(size)),
                                      Convert(py::handle(item), 0));
    } catch (const Unconvertible& error) {
      RaiseTypeError(what, std::string(name, static_cast<size_t>(size)), error);
    }
  }
}

py::object FromJson(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(value.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(value.get<int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(value.get<uint64_t>());
    case Json::value_t::number_float:
      return py::float_(value.get<double>());
    case Json::value_t::string:
      return py::str(value.get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list list;
      for (const auto& item : value) list.append(FromJson(item));
      return list;
    }
    case Json::value_t::object: {
      py::dict dict;
      for (const auto& [key, item] : value.items()) dict[py::str(key)] = FromJson(item);
      return dict;
    }
    default:
      return py::none();
  }
}

}  // namespace runhook::python

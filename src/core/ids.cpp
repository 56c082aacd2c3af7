#include "core/ids.h"

#include <array>
#include <mutex>
#include <random>

namespace runhook::core {
namespace {

// One generator per thread, seeded from the OS entropy source.
std::mt19937_64& ThreadRandom() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return generator;
}

constexpr std::array<const char*, 24> kAdjectives = {
    "amber", "bold",  "brisk",  "calm",   "clever", "cosmic", "crisp",  "daring",
    "eager", "fancy", "gentle", "golden", "hardy",  "jolly",  "lively", "lucky",
    "misty", "noble", "proud",  "quiet",  "rapid",  "silver", "sunny",  "vivid"};
constexpr std::array<const char*, 24> kNouns = {
    "breeze", "canyon", "cloud", "comet",  "dawn",  "delta",  "dream", "dust",
    "field",  "forest", "frost", "galaxy", "glade", "harbor", "lake",  "meadow",
    "moon",   "night",  "ocean", "planet", "river", "sky",    "star",  "wave"};

}  // namespace

std::string GenerateRunId() {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string id(8, ' ');
  for (char& c : id) c = kAlphabet[pick(ThreadRandom())];
  return id;
}

std::string GenerateRunName() {
  auto& random = ThreadRandom();
  std::uniform_int_distribution<size_t> adjective(0, kAdjectives.size() - 1);
  std::uniform_int_distribution<size_t> noun(0, kNouns.size() - 1);
  std::uniform_int_distribution<int> number(1, 999);
  return std::string(kAdjectives[adjective(random)]) + "-" + kNouns[noun(random)] + "-" +
         std::to_string(number(random));
}

bool IsValidRunId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidSlug(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace runhook::core

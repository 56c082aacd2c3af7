#include "delivery/destination_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace runhook::delivery {
namespace {

struct RangeEntry {
  std::string_view network;
  std::string_view kind;
};

// More specific entries come before the ranges that contain them (the first match names it).
constexpr RangeEntry kRefusedIpv4[] = {
    {"0.0.0.0/8", "a 'this network' address"},
    {"10.0.0.0/8", "private"},
    {"100.64.0.0/10", "carrier-grade NAT shared space"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.169.254/32", "link-local, the cloud metadata address"},
    {"169.254.0.0/16", "link-local"},
    {"172.16.0.0/12", "private"},
    {"192.0.0.0/24", "reserved for IETF protocol assignments"},
    {"192.0.2.0/24", "reserved for documentation"},
    {"192.168.0.0/16", "private"},
    {"198.18.0.0/15", "reserved for benchmarking"},
    {"198.51.100.0/24", "reserved for documentation"},
    {"203.0.113.0/24", "reserved for documentation"},
    {"224.0.0.0/4", "multicast"},
    {"255.255.255.255/32", "broadcast"},
    {"240.0.0.0/4", "reserved"},
};

constexpr RangeEntry kRefusedIpv6[] = {
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"fc00::/7", "unique local (private)"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local (deprecated, private)"},
    {"ff00::/8", "multicast"},
    {"2001:db8::/32", "reserved for documentation"},
};

// Where an IPv6 form keeps its IPv4 address.
enum class Ipv4Position {
  kLast32Bits,          // ::ffff:a.b.c.d, 64:ff9b::a.b.c.d, ::a.b.c.d
  kAfterFirst16Bits,    // 6to4 (RFC 3056): 2002:AABB:CCDD::/48
  kLast32BitsInverted,  // Teredo (RFC 4380): the client's address, every bit flipped
};

struct EmbeddingForm {
  std::string_view description;  // "<name> <network>"
  Ipv4Position position;
};

// IPv6 forms that embed an IPv4 address; judged by that address. Checked after kRefusedIpv6's
// ::/128 and ::1/128, which ::/96 contains. Teredo's 2001::/32 does not overlap 2001:db8::/32.
constexpr EmbeddingForm kEmbeddingIpv4[] = {
    {"IPv4-mapped ::ffff:0:0/96", Ipv4Position::kLast32Bits},
    {"NAT64 64:ff9b::/96", Ipv4Position::kLast32Bits},
    {"IPv4-compatible ::/96", Ipv4Position::kLast32Bits},
    {"6to4 2002::/16", Ipv4Position::kAfterFirst16Bits},
    {"Teredo 2001::/32", Ipv4Position::kLast32BitsInverted},
};

struct ParsedRange {
  IpNetwork network;
  RangeEntry entry;
};

std::vector<ParsedRange> ParseTable(const RangeEntry* begin, const RangeEntry* end) {
  std::vector<ParsedRange> ranges;
  for (const RangeEntry* entry = begin; entry != end; ++entry)
    ranges.push_back({ParseIpNetwork(entry->network).value(), *entry});
  return ranges;
}

const std::vector<ParsedRange>& RefusedIpv4Ranges() {
  static const std::vector<ParsedRange> ranges =
      ParseTable(std::begin(kRefusedIpv4), std::end(kRefusedIpv4));
  return ranges;
}

const std::vector<ParsedRange>& RefusedIpv6Ranges() {
  static const std::vector<ParsedRange> ranges =
      ParseTable(std::begin(kRefusedIpv6), std::end(kRefusedIpv6));
  return ranges;
}

// The network part of an kEmbeddingIpv4 description ("::ffff:0:0/96").
std::string_view NetworkOfForm(std::string_view form) { return form.substr(form.rfind(' ') + 1); }

const std::vector<IpNetwork>& EmbeddingNetworks() {
  static const std::vector<IpNetwork> networks = [] {
    std::vector<IpNetwork> parsed;
    for (const EmbeddingForm& form : kEmbeddingIpv4)
      parsed.push_back(ParseIpNetwork(NetworkOfForm(form.description)).value());
    return parsed;
  }();
  return networks;
}

// The IPv4 address that `address`, of kEmbeddingIpv4 form `form`, embeds.
IpAddress EmbeddedIpv4(const IpAddress& address, size_t form) {
  IpAddress ipv4;
  switch (kEmbeddingIpv4[form].position) {
    case Ipv4Position::kLast32Bits:
      std::copy(address.bytes.begin() + 12, address.bytes.begin() + 16, ipv4.bytes.begin());
      break;
    case Ipv4Position::kAfterFirst16Bits:
      std::copy(address.bytes.begin() + 2, address.bytes.begin() + 6, ipv4.bytes.begin());
      break;
    case Ipv4Position::kLast32BitsInverted:
      for (size_t index = 0; index < 4; ++index)
        ipv4.bytes[index] = static_cast<uint8_t>(~address.bytes[12 + index]);
      break;
  }
  return ipv4;
}

// For an IPv6 address of a form that embeds an IPv4 address (not :: or ::1): the form's index
// in kEmbeddingIpv4.
std::optional<size_t> FindEmbeddingForm(const IpAddress& address) {
  if (!address.is_ipv6) return std::nullopt;
  for (const ParsedRange& range : RefusedIpv6Ranges())
    if (range.network.prefix_length == 128 && range.network.address == address) return std::nullopt;
  const std::vector<IpNetwork>& networks = EmbeddingNetworks();
  for (size_t index = 0; index < networks.size(); ++index)
    if (networks[index].Contains(address)) return index;
  return std::nullopt;
}

std::optional<RangeEntry> FindInTable(const std::vector<ParsedRange>& ranges,
                                      const IpAddress& address) {
  for (const ParsedRange& range : ranges)
    if (range.network.Contains(address)) return range.entry;
  return std::nullopt;
}

bool IsAllowed(const std::vector<IpNetwork>& allowed, const IpAddress& address) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const IpNetwork& network) { return network.Contains(address); });
}

ErrorInfo NetworkError(std::string_view text, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, "'" + std::string(text) +
                                                    "' is not a network in CIDR notation: " + what +
                                                    " (expected e.g. 10.0.0.0/8 or fd00::/8)");
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string terminated(text);
  IpAddress address;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) return address;
  address.is_ipv6 = true;
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

std::optional<IpAddress> IpAddressFromSockaddr(const sockaddr* address, size_t length) {
  if (address == nullptr) return std::nullopt;
  IpAddress result;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in ipv4;
    std::memcpy(&ipv4, address, sizeof(ipv4));
    std::memcpy(result.bytes.data(), &ipv4.sin_addr, 4);
    return result;
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 ipv6;
    std::memcpy(&ipv6, address, sizeof(ipv6));
    result.is_ipv6 = true;
    std::memcpy(result.bytes.data(), &ipv6.sin6_addr, 16);
    return result;
  }
  return std::nullopt;
}

std::string FormatIpAddress(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.is_ipv6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof(text));
  return text;
}

bool IpNetwork::Contains(const IpAddress& candidate) const {
  if (candidate.is_ipv6 != address.is_ipv6) return false;
  const int whole_bytes = prefix_length / 8;
  if (!std::equal(address.bytes.begin(), address.bytes.begin() + whole_bytes,
                  candidate.bytes.begin()))
    return false;
  const int remaining_bits = prefix_length % 8;
  if (remaining_bits == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - remaining_bits));
  return (address.bytes[whole_bytes] & mask) == (candidate.bytes[whole_bytes] & mask);
}

Result<IpNetwork> ParseIpNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  std::optional<IpAddress> address = ParseIpAddress(address_text);
  if (!address)
    return NetworkError(text, "'" + std::string(address_text) + "' is not an IPv4 or IPv6 address");
  const int maximum = address->is_ipv6 ? 128 : 32;
  IpNetwork network{*address, maximum};
  if (slash != std::string_view::npos) {
    const std::string_view prefix = text.substr(slash + 1);
    int value = -1;
    const auto [end, error] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), value);
    if (prefix.empty() || error != std::errc() || end != prefix.data() + prefix.size() ||
        value < 0 || value > maximum)
      return NetworkError(text, "the prefix length '" + std::string(prefix) +
                                    "' is not a number from 0 to " + std::to_string(maximum));
    network.prefix_length = value;
  }
  for (int bit = network.prefix_length; bit < maximum; ++bit)
    network.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return network;
}

std::string FormatIpNetwork(const IpNetwork& network) {
  return FormatIpAddress(network.address) + "/" + std::to_string(network.prefix_length);
}

std::optional<RefusedRange> FindRefusedRange(const IpAddress& address) {
  if (!address.is_ipv6) {
    std::optional<RangeEntry> entry = FindInTable(RefusedIpv4Ranges(), address);
    if (!entry) return std::nullopt;
    return RefusedRange{entry->kind, entry->network, {}};
  }
  if (std::optional<size_t> form = FindEmbeddingForm(address)) {
    std::optional<RangeEntry> entry =
        FindInTable(RefusedIpv4Ranges(), EmbeddedIpv4(address, *form));
    if (!entry) return std::nullopt;
    return RefusedRange{entry->kind, entry->network, kEmbeddingIpv4[*form].description};
  }
  std::optional<RangeEntry> entry = FindInTable(RefusedIpv6Ranges(), address);
  if (!entry) return std::nullopt;
  return RefusedRange{entry->kind, entry->network, {}};
}

std::string CheckDestination(const DestinationPolicy& policy, const IpAddress& address) {
  if (!policy.enforced()) return "";
  std::optional<RefusedRange> range = FindRefusedRange(address);
  if (!range) return "";
  if (IsAllowed(policy.allowed_networks, address)) return "";
  if (std::optional<size_t> form = FindEmbeddingForm(address);
      form && IsAllowed(policy.allowed_networks, EmbeddedIpv4(address, *form)))
    return "";
  std::string reason = "destination " + FormatIpAddress(address) + " is " +
                       std::string(range->kind) + " (" + std::string(range->network) + ")";
  if (!range->embedded_in.empty()) reason += " as " + std::string(range->embedded_in);
  return reason + "; allow it with --allow-net";
}

bool IsLoopbackListenHost(std::string_view host) {
  constexpr std::string_view kLocalhost = "localhost";
  if (std::equal(host.begin(), host.end(), kLocalhost.begin(), kLocalhost.end(),
                 [](char left, char right) {
                   return std::tolower(static_cast<unsigned char>(left)) == right;
                 }))
    return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::optional<IpAddress> address = ParseIpAddress(host);
  if (!address) return false;
  static const IpNetwork kLoopbackNetworks[] = {ParseIpNetwork("127.0.0.0/8").value(),
                                                ParseIpNetwork("::1/128").value(),
                                                ParseIpNetwork("::ffff:127.0.0.0/104").value()};
  return std::any_of(std::begin(kLoopbackNetworks), std::end(kLoopbackNetworks),
                     [&](const IpNetwork& network) { return network.Contains(*address); });
}

}  // namespace runhook::delivery

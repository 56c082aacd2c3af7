// DestinationPolicy: which addresses the dispatcher may connect to (DESIGN.md section 6,
// "Destinations").
//
// A server listening only on loopback may send anywhere. A server listening on any other address
// refuses addresses in the ranges below unless one of its `--allow-net` networks contains them:
//   IPv4: 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10 (CGNAT), 127.0.0.0/8, 169.254.0.0/16 (with the
//         cloud metadata address 169.254.169.254), 172.16.0.0/12, 192.0.0.0/24, 192.0.2.0/24,
//         192.168.0.0/16, 198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4,
//         240.0.0.0/4 and 255.255.255.255;
//   IPv6: ::, ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 2001:db8::/32; and the forms that
//         embed an IPv4 address, judged by that address: IPv4-mapped ::ffff:0:0/96, NAT64
//         64:ff9b::/96, IPv4-compatible ::/96, 6to4 2002::/16 (bits 16-47) and Teredo
//         2001::/32 (the client address: the last 32 bits inverted).
// The sender checks each address libcurl is about to connect to (after name resolution, so a
// name cannot hide a refused address), see curl_multi_sender.h.
//
// Plain data and pure functions; thread-safe.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace runhook::delivery {

// An IPv4 or IPv6 address in network byte order.
struct IpAddress {
  bool is_ipv6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  bool operator==(const IpAddress&) const = default;
};

// A numeric address as inet_pton reads it ("192.0.2.1", "::ffff:127.0.0.1"); nullopt otherwise.
// Shorthands such as "127.1" are not addresses here (libcurl resolves them to one).
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// The address of an AF_INET or AF_INET6 socket address of `length` bytes; nullopt for any other
// family or a short length.
std::optional<IpAddress> IpAddressFromSockaddr(const sockaddr* address, size_t length);

// "127.0.0.1", "::1", "::ffff:127.0.0.1".
std::string FormatIpAddress(const IpAddress& address);

// A network in CIDR notation. The address has no bits set past the prefix.
struct IpNetwork {
  IpAddress address;
  int prefix_length = 0;  // 0-32 for IPv4, 0-128 for IPv6

  // True when `candidate` is of the same family and shares the first prefix_length bits.
  bool Contains(const IpAddress& candidate) const;
  bool operator==(const IpNetwork&) const = default;
};

// "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128. Bits past the prefix are cleared
// ("127.0.0.1/8" is 127.0.0.0/8). Errors (kInvalidArgument) quote the text and say what is wrong.
Result<IpNetwork> ParseIpNetwork(std::string_view text);

// "10.0.0.0/8".
std::string FormatIpNetwork(const IpNetwork& network);

// A range a server that is not loopback-only refuses.
struct RefusedRange {
  std::string_view kind;     // "loopback", "private", "link-local", ...
  std::string_view network;  // "127.0.0.0/8"
  // For an address that embeds an IPv4 address (IPv4-mapped, NAT64, IPv4-compatible, 6to4,
  // Teredo): the form, e.g. "IPv4-mapped ::ffff:0:0/96", and `kind`/`network` describe the
  // embedded address.
  std::string_view embedded_in;
};

// The refused range `address` is in, or nullopt when it is an ordinary (public) address.
std::optional<RefusedRange> FindRefusedRange(const IpAddress& address);

struct DestinationPolicy {
  // True when the server listens only on loopback: every destination is allowed. The default,
  // so that a dispatcher built without a policy (tests, tools) is not restricted.
  bool loopback_only = true;
  // Consulted when !loopback_only: addresses in these networks are allowed even inside a refused
  // range. An address embedding an IPv4 address is also allowed when a network contains that.
  std::vector<IpNetwork> allowed_networks;

  // True when connecting to an address can be refused (the sender only checks then).
  bool enforced() const { return !loopback_only; }
};

// "" when `policy` allows connecting to `address`; otherwise why not, naming the address and the
// range: "destination 127.0.0.1 is loopback (127.0.0.0/8); allow it with --allow-net".
std::string CheckDestination(const DestinationPolicy& policy, const IpAddress& address);

// True when a server listening on `host` listens only on loopback: "localhost", an address in
// 127.0.0.0/8, ::1 (brackets allowed) or an IPv4-mapped loopback address. False for wildcard
// (0.0.0.0, ::) and every other address or name.
bool IsLoopbackListenHost(std::string_view host);

}  // namespace runhook::delivery

// The destination policy: CIDR parsing, the refused ranges (each at its edges and just outside),
// the IPv6 forms embedding an IPv4 address, --allow-net and the loopback-only listen hosts.
#include "delivery/destination_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

namespace runhook::delivery {
namespace {

IpAddress Address(const std::string& text) {
  std::optional<IpAddress> address = ParseIpAddress(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

DestinationPolicy Enforced(const std::vector<std::string>& allowed = {}) {
  DestinationPolicy policy;
  policy.loopback_only = false;
  for (const std::string& text : allowed)
    policy.allowed_networks.push_back(ParseIpNetwork(text).value());
  return policy;
}

// The range's network text, or "" when the address is not refused.
std::string RangeOf(const std::string& text) {
  std::optional<RefusedRange> range = FindRefusedRange(Address(text));
  return range ? std::string(range->network) : "";
}

struct RangeCase {
  std::string network;
  std::vector<std::string> inside;   // first and last addresses, and one between
  std::vector<std::string> outside;  // just before and just after (not in another range)
};

const std::vector<RangeCase> kIpv4Cases = {
    {"0.0.0.0/8", {"0.0.0.0", "0.1.2.3", "0.255.255.255"}, {"1.0.0.0"}},
    {"10.0.0.0/8", {"10.0.0.0", "10.1.2.3", "10.255.255.255"}, {"9.255.255.255", "11.0.0.0"}},
    {"100.64.0.0/10",
     {"100.64.0.0", "100.100.1.1", "100.127.255.255"},
     {"100.63.255.255", "100.128.0.0"}},
    {"127.0.0.0/8",
     {"127.0.0.0", "127.0.0.1", "127.255.255.255"},
     {"126.255.255.255", "128.0.0.0"}},
    {"169.254.169.254/32", {"169.254.169.254"}, {}},
    {"169.254.0.0/16",
     {"169.254.0.0", "169.254.169.253", "169.254.169.255", "169.254.255.255"},
     {"169.253.255.255", "169.255.0.0"}},
    {"172.16.0.0/12",
     {"172.16.0.0", "172.20.1.1", "172.31.255.255"},
     {"172.15.255.255", "172.32.0.0"}},
    {"192.0.0.0/24", {"192.0.0.0", "192.0.0.8", "192.0.0.255"}, {"191.255.255.255", "192.0.1.0"}},
    {"192.0.2.0/24", {"192.0.2.0", "192.0.2.1", "192.0.2.255"}, {"192.0.1.255", "192.0.3.0"}},
    {"192.168.0.0/16",
     {"192.168.0.0", "192.168.1.1", "192.168.255.255"},
     {"192.167.255.255", "192.169.0.0"}},
    {"198.18.0.0/15", {"198.18.0.0", "198.19.255.255"}, {"198.17.255.255", "198.20.0.0"}},
    {"198.51.100.0/24", {"198.51.100.0", "198.51.100.255"}, {"198.51.99.255", "198.51.101.0"}},
    {"203.0.113.0/24", {"203.0.113.0", "203.0.113.255"}, {"203.0.112.255", "203.0.114.0"}},
    {"224.0.0.0/4", {"224.0.0.0", "239.255.255.250", "239.255.255.255"}, {"223.255.255.255"}},
    {"255.255.255.255/32", {"255.255.255.255"}, {}},
    {"240.0.0.0/4", {"240.0.0.0", "250.1.2.3", "255.255.255.254"}, {}},
};

const std::vector<RangeCase> kIpv6Cases = {
    {"::/128", {"::"}, {}},
    {"::1/128", {"::1"}, {"::1:0:0:1"}},
    {"fc00::/7",
     {"fc00::", "fd12:3456::1", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
     {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"}},
    {"fe80::/10",
     {"fe80::", "fe80::1", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
     {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}},
    {"fec0::/10", {"fec0::1", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, {}},
    {"ff00::/8",
     {"ff00::", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
     {}},  // just below is fec0::/10
    {"2001:db8::/32",
     {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
     {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"}},
};

TEST(DestinationPolicy, EveryListedIpv4RangeIsRefusedAtItsEdgesAndNotJustOutside) {
  for (const RangeCase& range : kIpv4Cases) {
    for (const std::string& address : range.inside)
      EXPECT_EQ(RangeOf(address), range.network) << address;
    for (const std::string& address : range.outside)
      EXPECT_EQ(RangeOf(address), "") << address << " (just outside " << range.network << ")";
  }
}

TEST(DestinationPolicy, EveryListedIpv6RangeIsRefusedAtItsEdgesAndNotJustOutside) {
  for (const RangeCase& range : kIpv6Cases) {
    for (const std::string& address : range.inside)
      EXPECT_EQ(RangeOf(address), range.network) << address;
    for (const std::string& address : range.outside)
      EXPECT_EQ(RangeOf(address), "") << address << " (just outside " << range.network << ")";
  }
}

TEST(DestinationPolicy, PublicAddressesAreAllowed) {
  const DestinationPolicy policy = Enforced();
  for (const std::string address :
       {"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.0.1", "172.32.0.1", "2606:4700::1111",
        "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
        "2001:0:4136:e378::f7f7:f7f7"})  // 6to4 and Teredo (client 8.8.8.8) of a public address
    EXPECT_EQ(CheckDestination(policy, Address(address)), "") << address;
}

TEST(DestinationPolicy, Ipv6FormsEmbeddingIpv4AreJudgedByTheEmbeddedAddress) {
  struct Case {
    std::string address;
    std::string network;
    std::string form;
  };
  for (const Case& test : std::vector<Case>{
           {"::ffff:127.0.0.1", "127.0.0.0/8", "IPv4-mapped ::ffff:0:0/96"},
           {"::ffff:7f00:1", "127.0.0.0/8", "IPv4-mapped ::ffff:0:0/96"},
           {"::ffff:10.1.2.3", "10.0.0.0/8", "IPv4-mapped ::ffff:0:0/96"},
           {"::ffff:169.254.169.254", "169.254.169.254/32", "IPv4-mapped ::ffff:0:0/96"},
           {"::ffff:0.0.0.0", "0.0.0.0/8", "IPv4-mapped ::ffff:0:0/96"},
           {"64:ff9b::127.0.0.1", "127.0.0.0/8", "NAT64 64:ff9b::/96"},
           {"64:ff9b::c0a8:101", "192.168.0.0/16", "NAT64 64:ff9b::/96"},
           {"::127.0.0.1", "127.0.0.0/8", "IPv4-compatible ::/96"},
           {"::10.0.0.1", "10.0.0.0/8", "IPv4-compatible ::/96"},
           {"::2", "0.0.0.0/8", "IPv4-compatible ::/96"},
           {"2002:7f00:1::", "127.0.0.0/8", "6to4 2002::/16"},
           {"2002:a9fe:a9fe:1::1", "169.254.169.254/32", "6to4 2002::/16"},
           {"2002:c0a8:101::", "192.168.0.0/16", "6to4 2002::/16"},
           // Teredo: server 65.54.227.120, client 127.0.0.1 / 10.0.0.1 stored inverted.
           {"2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.0/8", "Teredo 2001::/32"},
           {"2001:0:4136:e378::f5ff:fffe", "10.0.0.0/8", "Teredo 2001::/32"},
       }) {
    std::optional<RefusedRange> range = FindRefusedRange(Address(test.address));
    ASSERT_TRUE(range.has_value()) << test.address;
    EXPECT_EQ(range->network, test.network) << test.address;
    EXPECT_EQ(range->embedded_in, test.form) << test.address;
  }
  // Just outside the embedding prefixes, and :: and ::1 are named as themselves.
  EXPECT_EQ(RangeOf("::fffe:7f00:1"), "");  // ::fffe:0:0/96 embeds nothing
  EXPECT_EQ(RangeOf("64:ff9a::7f00:1"), "");
  EXPECT_EQ(RangeOf("64:ff9b:0:0:0:1:7f00:1"), "");
  EXPECT_EQ(RangeOf("2003:7f00:1::"), "");                  // just outside 2002::/16
  EXPECT_EQ(RangeOf("2001:1:4136:e378::80ff:fffe"), "");    // just outside 2001::/32
  EXPECT_EQ(RangeOf("2001:0:4136:e378::7f00:1"), "");       // client 128.255.255.254
  EXPECT_EQ(RangeOf("2001:db8::7f00:1"), "2001:db8::/32");  // documentation, not Teredo
  EXPECT_EQ(FindRefusedRange(Address("::1"))->embedded_in, "");
  EXPECT_EQ(FindRefusedRange(Address("::"))->embedded_in, "");
}

TEST(DestinationPolicy, ReasonNamesTheAddressTheRangeAndTheFlag) {
  const DestinationPolicy policy = Enforced();
  EXPECT_EQ(CheckDestination(policy, Address("127.0.0.1")),
            "destination 127.0.0.1 is loopback (127.0.0.0/8); allow it with --allow-net");
  EXPECT_EQ(CheckDestination(policy, Address("::1")),
            "destination ::1 is loopback (::1/128); allow it with --allow-net");
  EXPECT_EQ(CheckDestination(policy, Address("169.254.169.254")),
            "destination 169.254.169.254 is link-local, the cloud metadata address "
            "(169.254.169.254/32); allow it with --allow-net");
  EXPECT_EQ(CheckDestination(policy, Address("::ffff:127.0.0.1")),
            "destination ::ffff:127.0.0.1 is loopback (127.0.0.0/8) as IPv4-mapped "
            "::ffff:0:0/96; allow it with --allow-net");
  EXPECT_EQ(CheckDestination(policy, Address("10.9.8.7")),
            "destination 10.9.8.7 is private (10.0.0.0/8); allow it with --allow-net");
}

TEST(DestinationPolicy, LoopbackOnlyServerMayConnectAnywhere) {
  const DestinationPolicy policy;  // the default
  EXPECT_FALSE(policy.enforced());
  for (const std::string address : {"127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fe80::1"})
    EXPECT_EQ(CheckDestination(policy, Address(address)), "") << address;
}

TEST(DestinationPolicy, AllowNetOverridesARefusalOnlyInsideItsNetwork) {
  const DestinationPolicy policy = Enforced({"127.0.0.0/8", "::1/128", "10.1.0.0/16"});
  EXPECT_EQ(CheckDestination(policy, Address("127.0.0.1")), "");
  EXPECT_EQ(CheckDestination(policy, Address("127.200.0.9")), "");
  EXPECT_EQ(CheckDestination(policy, Address("::1")), "");
  EXPECT_EQ(CheckDestination(policy, Address("10.1.255.255")), "");
  EXPECT_NE(CheckDestination(policy, Address("10.2.0.0")), "");
  EXPECT_NE(CheckDestination(policy, Address("192.168.1.1")), "");
  EXPECT_NE(CheckDestination(policy, Address("fd00::1")), "");
  // An allowed IPv4 network also allows the IPv6 forms embedding its addresses.
  EXPECT_EQ(CheckDestination(policy, Address("::ffff:127.0.0.1")), "");
  EXPECT_EQ(CheckDestination(policy, Address("64:ff9b::a01:203")), "");  // 10.1.2.3
  EXPECT_NE(CheckDestination(policy, Address("::ffff:10.2.0.1")), "");
  EXPECT_EQ(CheckDestination(policy, Address("2002:a01:203::")), "");               // 10.1.2.3
  EXPECT_EQ(CheckDestination(policy, Address("2001:0:4136:e378::f5fe:fdfc")), "");  // 10.1.2.3
  EXPECT_NE(CheckDestination(policy, Address("2002:a02:1::")), "");                 // 10.2.0.1
  // An IPv6 network allows by itself.
  EXPECT_EQ(CheckDestination(Enforced({"fd00::/8"}), Address("fd12::1")), "");
  EXPECT_NE(CheckDestination(Enforced({"fd00::/8"}), Address("fc00::1")), "");
}

TEST(DestinationPolicy, ParsesCidrNetworksAndBareAddresses) {
  auto network = ParseIpNetwork("10.0.0.0/8");
  ASSERT_TRUE(network.ok()) << network.error().message;
  EXPECT_EQ(FormatIpNetwork(*network), "10.0.0.0/8");
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("127.0.0.1/8").value()),
            "127.0.0.0/8");  // host bits cleared
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("172.20.3.4/12").value()), "172.16.0.0/12");
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("192.0.2.7").value()), "192.0.2.7/32");
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("::1").value()), "::1/128");
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("fd12:3456::1/8").value()), "fd00::/8");
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("0.0.0.0/0").value()), "0.0.0.0/0");
  EXPECT_EQ(FormatIpNetwork(ParseIpNetwork("::/0").value()), "::/0");
  EXPECT_TRUE(ParseIpNetwork("0.0.0.0/0")->Contains(Address("203.0.113.9")));
  EXPECT_FALSE(ParseIpNetwork("0.0.0.0/0")->Contains(Address("::1")));  // families never mix
}

TEST(DestinationPolicy, BadCidrErrorsQuoteTheTextAndTheProblem) {
  struct Case {
    std::string text;
    std::string problem;
  };
  for (const Case& test : std::vector<Case>{
           {"10.0.0.0/33", "the prefix length '33' is not a number from 0 to 32"},
           {"::/129", "the prefix length '129' is not a number from 0 to 128"},
           {"10.0.0.0/", "the prefix length '' is not a number from 0 to 32"},
           {"10.0.0.0/8x", "the prefix length '8x' is not a number from 0 to 32"},
           {"10.0.0.0/-1", "the prefix length '-1' is not a number from 0 to 32"},
           {"10.0.0/8", "'10.0.0' is not an IPv4 or IPv6 address"},
           {"localhost/8", "'localhost' is not an IPv4 or IPv6 address"},
           {"", "'' is not an IPv4 or IPv6 address"},
       }) {
    auto network = ParseIpNetwork(test.text);
    ASSERT_FALSE(network.ok()) << test.text;
    EXPECT_EQ(network.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(network.error().message, "'" + test.text +
                                           "' is not a network in CIDR notation: " + test.problem +
                                           " (expected e.g. 10.0.0.0/8 or fd00::/8)");
  }
}

TEST(DestinationPolicy, ReadsAddressesFromSocketAddresses) {
  sockaddr_in ipv4{};
  ipv4.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &ipv4.sin_addr);
  auto address = IpAddressFromSockaddr(reinterpret_cast<sockaddr*>(&ipv4), sizeof(ipv4));
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(FormatIpAddress(*address), "127.0.0.1");
  EXPECT_FALSE(address->is_ipv6);

  sockaddr_in6 ipv6{};
  ipv6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &ipv6.sin6_addr);
  address = IpAddressFromSockaddr(reinterpret_cast<sockaddr*>(&ipv6), sizeof(ipv6));
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(FormatIpAddress(*address), "::ffff:127.0.0.1");
  EXPECT_TRUE(address->is_ipv6);

  EXPECT_FALSE(IpAddressFromSockaddr(reinterpret_cast<sockaddr*>(&ipv6), sizeof(ipv4)));
  sockaddr unix_address{};
  unix_address.sa_family = AF_UNIX;
  EXPECT_FALSE(IpAddressFromSockaddr(&unix_address, sizeof(unix_address)));
}

TEST(DestinationPolicy, ShorthandNumbersAreNotAddressesHere) {
  // libcurl resolves these; the policy judges the address it resolved them to.
  EXPECT_FALSE(ParseIpAddress("127.1"));
  EXPECT_FALSE(ParseIpAddress("0x7f000001"));
  EXPECT_FALSE(ParseIpAddress("[::1]"));
  EXPECT_FALSE(ParseIpAddress(std::string("127.0.0.1\0junk", 14)));
}

TEST(DestinationPolicy, LoopbackListenHosts) {
  for (const std::string host :
       {"127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LocalHost", "::ffff:127.0.0.1"})
    EXPECT_TRUE(IsLoopbackListenHost(host)) << host;
  for (const std::string host : {"0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.1", "example.com",
                                 "localhost.example.com", "128.0.0.1", "", "64:ff9b::7f00:1"})
    EXPECT_FALSE(IsLoopbackListenHost(host)) << host;
}

}  // namespace
}  // namespace runhook::delivery

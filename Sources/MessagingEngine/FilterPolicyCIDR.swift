/// An IPv4 or IPv6 address range written `address/prefixLength`, for the `cidr` operator.
///
/// Addresses are held as 128-bit numbers; IPv4 ranges only contain IPv4 addresses and IPv6 ranges
/// only IPv6 addresses (an IPv4-mapped IPv6 address is not an IPv4 address here). IPv6 addresses
/// written with a dotted IPv4 tail (`::ffff:10.0.0.1`) and zone indices are not read.
public struct FilterPolicyCIDR: Sendable, Equatable {
    public var isIPv6: Bool
    var network: UInt128
    var mask: UInt128

    /// Parses `10.0.0.0/24` or `2001:db8::/32`; nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.address(String(parts[0])),
              (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let length = Int(parts[1]) else { return nil }
        let bits = address.isIPv6 ? 128 : 32
        guard (0...bits).contains(length) else { return nil }
        isIPv6 = address.isIPv6
        let hostBits = bits - length
        let full: UInt128 = bits == 128 ? ~0 : (1 << 32) - 1
        mask = hostBits == 128 ? 0 : full & ~((UInt128(1) << hostBits) - 1)
        network = address.value & mask
    }

    /// Whether `text` is an address of the same family inside this range.
    public func contains(_ text: String) -> Bool {
        guard let address = Self.address(text), address.isIPv6 == isIPv6 else { return false }
        return address.value & mask == network
    }

    /// Parses a dotted-quad IPv4 or a colon-hex IPv6 address (with at most one `::`).
    static func address(_ text: String) -> (value: UInt128, isIPv6: Bool)? {
        if text.contains(":") { return ipv6(text).map { ($0, true) } }
        return ipv4(Substring(text)).map { (UInt128($0), false) }
    }

    private static func ipv4(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard (1...3).contains(octet.count), octet.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let byte = UInt32(octet), byte <= 255 else { return nil }
            value = value << 8 | byte
        }
        return value
    }

    private static func ipv6(_ text: String) -> UInt128? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }
}

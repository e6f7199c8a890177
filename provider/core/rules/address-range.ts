/**
 * Rules of one address range with its gateway and exclusions: a Subnet's cidrBlock, gateway and
 * excludeIps. Tenant subnets, the monitoring attachment, the interconnect network and EIP pools are
 * all Subnets upstream, so all go through here.
 */
import type { Problems } from "../errors";
import {
  type Address,
  type AddressRange,
  type Cidr,
  familyName,
  formatRange,
  overlaps,
  parseAddress,
  parseAddressList,
  parseCidr,
  parseCidrList,
  parseRange,
  rangeInside,
} from "../net";
import type { Network, NetworkInput } from "../network";
import { defaultGateway, joinCidrs, normaliseExcludeIps, protocolOf } from "../normalize";
import { ruleSet } from "./rule";

const VALIDATOR = "pkg/util/validator.go ValidateSubnet";
const FORMAT = "pkg/controller/subnet.go formatSubnet";
/** Where the real controller's verdict on the same input is shown. */
const SEEN = "; the real controller's verdict: tests/e2e/upstream-rules.test.ts";

export const addressRangeRules = ruleSet("Subnet", {
  "subnet.cidr.invalid": {
    field: "subnets[].cidr",
    refuses: "a malformed CIDR, or two of one family",
    upstream: `${VALIDATOR} (CheckProtocol, net.ParseCIDR): refused, status ValidateLogicalSwitchFailed`,
  },
  "subnet.cidr.host-bits": {
    field: "subnets[].cidr",
    refuses: "host bits set; the message names the network address",
    upstream: `${FORMAT} formatCIDR: silently rewritten to the network address`,
  },
  "subnet.cidr.not-canonical": {
    field: "subnets[].cidr",
    refuses: "an IPv6 CIDR not in its canonical (lower-case, compressed) form; the message names it",
    upstream: `${FORMAT} formatCIDR: silently re-printed (upper case too: the controller formats before it validates); the optional webhook (${VALIDATOR}, ContainsUppercase) refuses upper case${SEEN}`,
  },
  "subnet.cidr.special-range": {
    field: "subnets[].cidr",
    refuses: "a range overlapping loopback, multicast, link-local, 0.0.0.0, 255.255.255.255, :: or ::1",
    upstream: `${VALIDATOR} (CIDRGlobalUnicast, InvalidSpecialCIDR in pkg/util/net.go): refused${SEEN}`,
  },
  "subnet.cidr.single-address": {
    field: "subnets[].cidr",
    refuses: "a /32 or /128 block",
    upstream: `${VALIDATOR} (InvalidNetworkMask, ValidateNetworkBroadcast): refused${SEEN}`,
  },
  "subnet.gateway.required": {
    field: "interconnect.gateway, eipPools[].gateway",
    refuses: "a missing gateway where it is the next hop of traffic leaving the cluster",
    upstream: `${FORMAT} formatGateway: defaulted to the first address, which need not be the real router's`,
  },
  "subnet.gateway.invalid": {
    field: "subnets[].gateway",
    refuses: "a malformed gateway",
    upstream: `${VALIDATOR} (CIDRContainIP on an unparsable address): refused`,
  },
  "subnet.gateway.not-canonical": {
    field: "subnets[].gateway",
    refuses: "an IPv6 gateway not in canonical form; the message names it",
    upstream: `${VALIDATOR} (ContainsUppercase): upper case refused; other forms kept as written while addresses elsewhere are canonical`,
  },
  "subnet.gateway.family": {
    field: "subnets[].gateway",
    refuses: "a gateway of a family the CIDR does not have",
    upstream: `${VALIDATOR} (CIDRContainIP): refused`,
  },
  "subnet.gateway.outside": {
    field: "subnets[].gateway",
    refuses: "a gateway outside the CIDR",
    upstream: `${VALIDATOR} (CIDRContainIP): refused ("gateway ... is not in cidr")`,
  },
  "subnet.gateway.network-or-broadcast": {
    field: "subnets[].gateway",
    refuses: "the network or last (broadcast) address as gateway",
    upstream: `${VALIDATOR} (ValidateNetworkBroadcast, SubnetNumber, SubnetBroadcast; IPv6 too): refused`,
  },
  "subnet.gateway.missing-family": {
    field: "subnets[].gateway",
    refuses: "a dual-stack CIDR with a gateway of one family only",
    upstream: `${FORMAT} formatGateway (AppendGwByCidr): the missing family's first address silently added, only with protocol: Dual`,
  },
  "subnet.excludeIps.invalid": {
    field: "subnets[].excludeIps[]",
    refuses: 'an entry that is not "a" or "a..b" (a <= b, one family)',
    upstream: `${VALIDATOR}: refused`,
  },
  "subnet.excludeIps.not-canonical": {
    field: "subnets[].excludeIps[]",
    refuses: "an entry not in canonical form; the message names it",
    upstream: `${FORMAT} formatExcludeIPs: silently re-printed, upper case too (the controller formats before it validates); the optional webhook (${VALIDATOR}, ContainsUppercase) refuses upper case`,
  },
  "subnet.excludeIps.outside": {
    field: "subnets[].excludeIps[]",
    refuses: "an entry outside the CIDR",
    upstream: "pkg/util ExpandExcludeIPs: kept in the spec and silently ignored",
  },
  "subnet.excludeIps.overlap": {
    field: "subnets[].excludeIps[]",
    refuses: "entries that overlap (or repeat); the message names the merged range",
    upstream: `${FORMAT} formatExcludeIPs (filterRepeatIPRange): silently merged into one entry${SEEN}`,
  },
});
const R = addressRangeRules;

/** Kube-OVN's special-purpose ranges (pkg/util/const.go, CIDRGlobalUnicast). */
const SPECIAL_RANGES: [string, string][] = [
  ["255.255.255.255/32", "the IPv4 broadcast address"],
  ["224.0.0.0/4", "IPv4 multicast"],
  ["127.0.0.0/8", "IPv4 loopback"],
  ["0.0.0.0/32", "the IPv4 unspecified address"],
  ["169.254.0.0/16", "IPv4 link-local"],
  ["::/128", "the IPv6 unspecified address"],
  ["::1/128", "IPv6 loopback"],
  ["ff00::/8", "IPv6 multicast"],
  ["fe80::/10", "IPv6 link-local"],
];

function specialRange(c: Cidr): string | undefined {
  for (const [text, what] of SPECIAL_RANGES) {
    const s = parseCidr(text);
    if (s && overlaps(s, c)) return `${what} (${text})`;
  }
  return undefined;
}

/** The canonical text of an address written in another form, or undefined when it is canonical. */
export function nonCanonicalAddress(text: string, a: Address): string | undefined {
  return a.text === text ? undefined : a.text;
}

/** The canonical text of a CIDR (without host bits) written in another form, or undefined. */
export function nonCanonicalCidr(text: string, c: Cidr): string | undefined {
  return c.hostBitsSet || c.text === text ? undefined : c.text;
}

/**
 * Checks one network and returns its parsed form, or undefined when it is too broken to reason
 * about further (every problem found is recorded either way).
 */
export function parseNetwork(
  p: Problems,
  path: string,
  input: NetworkInput,
  gatewayRequired: boolean,
): Network | undefined {
  const cidrs = parseCidrList(input.cidr);
  if (!cidrs) {
    R.refuse(
      p,
      "subnet.cidr.invalid",
      `${path}.cidr`,
      input.cidr,
      'is not a valid CIDR (IPv4, IPv6, or dual stack written "v4cidr,v6cidr")',
    );
    return undefined;
  }
  let ok = true;
  const parts = input.cidr.split(",");
  cidrs.forEach((c, i) => {
    const canonical = nonCanonicalCidr(parts[i], c);
    const special = specialRange(c);
    if (c.hostBitsSet) {
      R.refuse(
        p,
        "subnet.cidr.host-bits",
        `${path}.cidr`,
        input.cidr,
        `has host bits set; the network address is ${c.text}`,
      );
      ok = false;
    } else if (canonical) {
      R.refuse(
        p,
        "subnet.cidr.not-canonical",
        `${path}.cidr`,
        input.cidr,
        `is not in canonical form; write ${canonical}`,
      );
      ok = false;
    }
    if (special) {
      R.refuse(
        p,
        "subnet.cidr.special-range",
        `${path}.cidr`,
        input.cidr,
        `overlaps ${special}, which Kube-OVN refuses`,
      );
      ok = false;
    } else if (c.prefix === (c.family === 4 ? 32 : 128)) {
      R.refuse(
        p,
        "subnet.cidr.single-address",
        `${path}.cidr`,
        input.cidr,
        `is a single address (${c.text}); a subnet needs a shorter prefix`,
      );
      ok = false;
    }
  });

  let gateways: Address[];
  if (input.gateway === undefined || input.gateway === "") {
    if (gatewayRequired) {
      R.refuse(p, "subnet.gateway.required", `${path}.gateway`, input.gateway, "is required");
      ok = false;
    }
    gateways = parseAddressList(defaultGateway(cidrs)) ?? [];
  } else {
    const parsed = parseAddressList(input.gateway);
    gateways = parsed ?? [];
    if (!parsed) {
      R.refuse(
        p,
        "subnet.gateway.invalid",
        `${path}.gateway`,
        input.gateway,
        'is not a valid IP address (dual stack: "v4,v6")',
      );
      ok = false;
    } else {
      const written = input.gateway.split(",");
      parsed.forEach((g, i) => {
        const c = cidrs.find((x) => x.family === g.family);
        const canonical = nonCanonicalAddress(written[i], g);
        const edge = c && (c.family === 4 ? c.prefix <= 30 : c.prefix <= 126);
        if (canonical) {
          R.refuse(
            p,
            "subnet.gateway.not-canonical",
            `${path}.gateway`,
            input.gateway,
            `is not in canonical form; write ${canonical}`,
          );
          ok = false;
        }
        if (!c) {
          R.refuse(
            p,
            "subnet.gateway.family",
            `${path}.gateway`,
            input.gateway,
            `is ${familyName(g.family)} but ${path}.cidr ${JSON.stringify(input.cidr)} has no ${familyName(g.family)} range`,
          );
          ok = false;
        } else if (g.value < c.first || g.value > c.last) {
          R.refuse(p, "subnet.gateway.outside", `${path}.gateway`, input.gateway, `is outside ${c.text}`);
          ok = false;
        } else if (edge && (g.value === c.first || g.value === c.last)) {
          R.refuse(
            p,
            "subnet.gateway.network-or-broadcast",
            `${path}.gateway`,
            input.gateway,
            `is the ${g.value === c.first ? "network" : "broadcast"} address of ${c.text}`,
          );
          ok = false;
        }
      });
      for (const c of cidrs) {
        if (!parsed.some((g) => g.family === c.family)) {
          R.refuse(
            p,
            "subnet.gateway.missing-family",
            `${path}.gateway`,
            input.gateway,
            `has no ${familyName(c.family)} address for ${c.text}`,
          );
          ok = false;
        }
      }
    }
  }

  const excluded: { range: AddressRange; entry: string; index: number }[] = [];
  (input.excludeIps ?? []).forEach((entry, i) => {
    const at = `${path}.excludeIps[${i}]`;
    const r = parseRange(entry);
    if (!r) {
      R.refuse(p, "subnet.excludeIps.invalid", at, entry, 'is not an address or a range "a..b" (a <= b, one family)');
      ok = false;
      return;
    }
    const canonical = formatRange(r);
    const written = entry.split("..");
    if (written.some((w) => parseAddress(w)?.text !== w) || (written.length === 2 && r.first === r.last)) {
      R.refuse(p, "subnet.excludeIps.not-canonical", at, entry, `is not in canonical form; write ${canonical}`);
      ok = false;
    }
    const c = cidrs.find((x) => x.family === r.family);
    if (!c || !rangeInside(r, c)) {
      // Kube-OVN ignores such entries silently; we refuse them so nothing declared is lost.
      R.refuse(p, "subnet.excludeIps.outside", at, entry, `is outside ${joinCidrs(cidrs)}`);
      ok = false;
      return;
    }
    const other = excluded.find((x) => overlaps(x.range, r));
    if (other) {
      const ends = [other.range.first, other.range.last, r.first, r.last].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const merged = { family: r.family, first: ends[0], last: ends[3] };
      // Kube-OVN merges them into one entry silently; we ask for that entry instead.
      R.refuse(
        p,
        "subnet.excludeIps.overlap",
        at,
        entry,
        `overlaps excludeIps[${other.index}] ${JSON.stringify(other.entry)}; write them as one entry, ${formatRange(merged)}`,
      );
      ok = false;
      return;
    }
    excluded.push({ range: r, entry, index: i });
  });

  if (!ok) return undefined;
  return {
    cidrs,
    gateways,
    excluded: excluded.map((x) => x.range),
    cidrBlock: joinCidrs(cidrs),
    gateway: gateways.map((g) => g.text).join(","),
    excludeIps: normaliseExcludeIps(
      excluded.map((x) => x.range),
      gateways,
    ),
    protocol: protocolOf(cidrs),
  };
}

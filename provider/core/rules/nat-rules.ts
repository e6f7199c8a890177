/** Rules of the tenant's IptablesSnatRules, IptablesDnatRules and IptablesFIPRules. */
import type { Problems } from "../errors";
import { type Address, parseAddress, parseCidr } from "../net";
import { NatProtocol, type TenantSpec } from "../spec";
import { objectNames } from "../names";
import { item } from "../tenant-model";
import { type Naming, checkNames } from "./names";
import { ruleSet } from "./rule";

const HOOKS = "pkg/webhook/vpc_nat_gateway.go";
const VALIDATE = "pkg/controller/vpc_nat_gw_nat.go";
const IPV4_ONLY =
  'pkg/controller/vpc_nat_gw_nat.go validateDnatRule, validateFipRule, validateSnatRule: refused ("must be IPv4, IPv6 is not supported")';
const IN_VPC = "accepted; matches or reaches nothing of the VPC";

export const snatRules = ruleSet("IptablesSnatRule", {
  "snat.eip.unknown": {
    field: "snatRules[].eip",
    refuses: "an EIP the tenant does not declare",
    upstream: `${HOOKS} ValidateIptablesSnat: refused when the IptablesEIP does not exist`,
  },
  "snat.internalCIDR.invalid": {
    field: "snatRules[].internalCIDR",
    refuses: "a malformed CIDR, or more than one",
    upstream: `${HOOKS} ValidateIptablesSnat (CheckCidrs), ${VALIDATE} validateSnatRule ("contains multiple CIDRs"): refused`,
  },
  "snat.internalCIDR.host-bits": {
    field: "snatRules[].internalCIDR",
    refuses: "host bits set; the message names the network address",
    upstream: "accepted; iptables stores the network address, so the gateway's rule differs from the spec",
  },
  "snat.internalCIDR.not-ipv4": { field: "snatRules[].internalCIDR", refuses: "an IPv6 CIDR", upstream: IPV4_ONLY },
  "snat.internalCIDR.outside": {
    field: "snatRules[].internalCIDR",
    refuses: "a range the tenant's VPC does not hold",
    upstream: IN_VPC,
  },
});

export const dnatRules = ruleSet("IptablesDnatRule", {
  "dnat.eip.unknown": {
    field: "dnatRules[].eip",
    refuses: "an EIP the tenant does not declare",
    upstream: `${HOOKS} ValidateIptablesDnat: refused when the IptablesEIP does not exist`,
  },
  "dnat.protocol": {
    field: "dnatRules[].protocol",
    refuses: "a protocol other than tcp, udp",
    upstream: `${HOOKS} ValidateIptablesDnat: refused ("invalid iptable protocol"); upper case accepted there, refused here`,
  },
  "dnat.port": {
    field: "dnatRules[].externalPort, dnatRules[].internalPort",
    refuses: "a port that is not a number from 1 to 65535",
    upstream: `${HOOKS} ValidateIptablesDnat: refused outside 0-65535 (0 accepted there, iptables refuses it in the pod)`,
  },
  "dnat.internalIp.invalid": {
    field: "dnatRules[].internalIp",
    refuses: "a malformed address",
    upstream: `${HOOKS} ValidateIptablesDnat: refused ("internalIP ... is not a valid ip")`,
  },
  "dnat.internalIp.not-ipv4": { field: "dnatRules[].internalIp", refuses: "an IPv6 address", upstream: IPV4_ONLY },
  "dnat.internalIp.outside": {
    field: "dnatRules[].internalIp",
    refuses: "an address no subnet of the tenant contains",
    upstream: IN_VPC,
  },
  "dnat.externalPort.twice": {
    field: "dnatRules[].externalPort",
    refuses: "the EIP, protocol and port of another DNAT rule",
    upstream: `${VALIDATE} isDnatDuplicated: the second rule refused ("duplicate, same eip ..., same external port"), after the first exists`,
  },
});

export const fipRules = ruleSet("IptablesFIPRule", {
  "fip.eip.unknown": {
    field: "floatingIps[].eip",
    refuses: "an EIP the tenant does not declare",
    upstream: `${HOOKS} ValidateIptablesFip: refused when the IptablesEIP does not exist`,
  },
  "fip.internalIp.invalid": {
    field: "floatingIps[].internalIp",
    refuses: "a malformed address",
    upstream: `${HOOKS} ValidateIptablesFip: refused ("internalIP ... is not a valid")`,
  },
  "fip.internalIp.not-ipv4": { field: "floatingIps[].internalIp", refuses: "an IPv6 address", upstream: IPV4_ONLY },
  "fip.internalIp.outside": {
    field: "floatingIps[].internalIp",
    refuses: "an address no subnet of the tenant contains",
    upstream: IN_VPC,
  },
  "fip.internalIp.twice": {
    field: "floatingIps[].internalIp",
    refuses: "an address that has a floating IP already",
    upstream: "accepted; two 1:1 NATs for one address, the gateway applies one",
  },
  "fip.eip.exclusive": {
    field: "floatingIps[].eip",
    refuses: "an EIP with a floating IP that another rule also uses",
    upstream: `${HOOKS} ValidateIptablesFip, ValidateIptablesDnat: refused when the other rule exists already (FIP/DNAT exclusivity); ${VALIDATE} fipTryUseEip: a second FIP on the EIP refused; SNAT sharing accepted and broken`,
  },
});

/** Which rule set reports on an internal address of which kind. */
type InternalIds = "dnat" | "fip";

export function isPort(n: unknown): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
}

export function checkNatRules(p: Problems, spec: TenantSpec, inVpc: (a: Address) => boolean, naming: Naming): void {
  const eips = new Set((spec.eips ?? []).map((e) => e?.name));
  const usedBy = new Map<string, string[]>();
  const use = (eip: string, rule: string) => usedBy.set(eip, [...(usedBy.get(eip) ?? []), rule]);
  const internal = (kind: InternalIds, path: string, text: string) => {
    const refuse = (what: "invalid" | "not-ipv4" | "outside", message: string) =>
      kind === "dnat"
        ? dnatRules.refuse(p, `dnat.internalIp.${what}`, path, text, message)
        : fipRules.refuse(p, `fip.internalIp.${what}`, path, text, message);
    const a = parseAddress(text);
    if (!a) refuse("invalid", "is not a valid IP address");
    else if (a.family !== 4) refuse("not-ipv4", "must be an IPv4 address (Kube-OVN's iptables NAT rules are IPv4)");
    else if (!inVpc(a)) refuse("outside", "is outside the tenant's VPC: no subnet of this tenant contains it");
  };
  const known = (eip: string) => eips.has(eip);
  const unknown = "is not one of this tenant's EIPs";

  checkNames(p, "snatRules", spec.snatRules, naming("IptablesSnatRule", objectNames.snat));
  (spec.snatRules ?? []).forEach((r, i) => {
    const path = item("snatRules", i, r?.name);
    if (!known(r?.eip)) snatRules.refuse(p, "snat.eip.unknown", `${path}.eip`, r?.eip, unknown);
    const at = `${path}.internalCIDR`;
    const c = parseCidr(r?.internalCIDR);
    if (!c)
      snatRules.refuse(
        p,
        "snat.internalCIDR.invalid",
        at,
        r?.internalCIDR,
        "is not a single valid CIDR (one per rule)",
      );
    else if (c.hostBitsSet)
      snatRules.refuse(
        p,
        "snat.internalCIDR.host-bits",
        at,
        r.internalCIDR,
        `has host bits set; the network address is ${c.text}`,
      );
    else if (c.family !== 4)
      snatRules.refuse(
        p,
        "snat.internalCIDR.not-ipv4",
        at,
        r.internalCIDR,
        "must be an IPv4 CIDR (Kube-OVN's iptables NAT rules are IPv4)",
      );
    else if (
      !inVpc({ family: c.family, value: c.first, text: "" }) ||
      !inVpc({ family: c.family, value: c.last, text: "" })
    ) {
      snatRules.refuse(p, "snat.internalCIDR.outside", at, r.internalCIDR, "is outside the tenant's VPC");
    }
    use(r?.eip, `snatRules[${r?.name}]`);
  });

  checkNames(p, "dnatRules", spec.dnatRules, naming("IptablesDnatRule", objectNames.dnat));
  const forwarded = new Map<string, string>();
  (spec.dnatRules ?? []).forEach((r, i) => {
    const path = item("dnatRules", i, r?.name);
    if (!known(r?.eip)) dnatRules.refuse(p, "dnat.eip.unknown", `${path}.eip`, r?.eip, unknown);
    if (!Object.values(NatProtocol).includes(r?.protocol))
      dnatRules.refuse(
        p,
        "dnat.protocol",
        `${path}.protocol`,
        r?.protocol,
        `must be one of ${Object.values(NatProtocol).join(", ")}`,
      );
    if (!isPort(r?.externalPort))
      dnatRules.refuse(
        p,
        "dnat.port",
        `${path}.externalPort`,
        r?.externalPort,
        "must be a port number from 1 to 65535",
      );
    if (!isPort(r?.internalPort))
      dnatRules.refuse(
        p,
        "dnat.port",
        `${path}.internalPort`,
        r?.internalPort,
        "must be a port number from 1 to 65535",
      );
    internal("dnat", `${path}.internalIp`, r?.internalIp);
    const key = `${r?.eip}/${r?.protocol}/${r?.externalPort}`;
    if (forwarded.has(key))
      dnatRules.refuse(
        p,
        "dnat.externalPort.twice",
        `${path}.externalPort`,
        r.externalPort,
        `is already forwarded by ${forwarded.get(key)} on EIP ${r.eip}/${r.protocol}`,
      );
    else forwarded.set(key, `dnatRules[${r?.name}]`);
    use(r?.eip, `dnatRules[${r?.name}]`);
  });

  checkNames(p, "floatingIps", spec.floatingIps, naming("IptablesFIPRule", objectNames.fip));
  const fipTargets = new Map<string, string>();
  (spec.floatingIps ?? []).forEach((r, i) => {
    const path = item("floatingIps", i, r?.name);
    if (!known(r?.eip)) fipRules.refuse(p, "fip.eip.unknown", `${path}.eip`, r?.eip, unknown);
    internal("fip", `${path}.internalIp`, r?.internalIp);
    if (fipTargets.has(r?.internalIp))
      fipRules.refuse(
        p,
        "fip.internalIp.twice",
        `${path}.internalIp`,
        r.internalIp,
        `already has floating IP ${fipTargets.get(r.internalIp)}`,
      );
    fipTargets.set(r?.internalIp, r?.name);
    use(r?.eip, `floatingIps[${r?.name}]`);
  });
  // Upstream: an EIP bound to a FIP may not serve any other rule.
  (spec.floatingIps ?? []).forEach((r, i) => {
    const others = (usedBy.get(r?.eip) ?? []).filter((u) => u !== `floatingIps[${r?.name}]`);
    if (others.length > 0)
      fipRules.refuse(
        p,
        "fip.eip.exclusive",
        `${item("floatingIps", i, r?.name)}.eip`,
        r.eip,
        `is also used by ${others.join(", ")}; an EIP with a floating IP serves no other rule`,
      );
  });
}

/** Rules of the tenant's SecurityGroups. */
import type { Problems } from "../errors";
import { type Family, parseAddress, parseCidr } from "../net";
import { SecurityGroupPolicy, SecurityGroupProtocol, type SecurityGroupRuleSpec, type TenantSpec } from "../spec";
import { objectNames, reservedNames } from "../names";
import { type CheckedRule, type TenantModel, item } from "../tenant-model";
import { type Naming, checkNames } from "./names";
import { nonCanonicalAddress, nonCanonicalCidr } from "./address-range";
import { checkPodSelector } from "./pod-selector";
import { ruleSet } from "./rule";

const VALIDATE = "pkg/controller/security_group.go validateSgRule";

export const securityGroupRules = ruleSet("SecurityGroup", {
  "sg.list": {
    field: "securityGroups, securityGroups[].namespaces, securityGroups[].*Rules[]",
    refuses: "a value that is not a list (of objects)",
    upstream: "CRD schema: refused by the API server",
  },
  "sg.namespaces.undeclared": {
    field: "securityGroups[].namespaces[]",
    refuses: "a namespace the tenant does not declare",
    upstream: "not a field upstream: it says which pods we annotate (ovn.kubernetes.io/security_groups)",
  },
  "sg.allowSameGroupTraffic": {
    field: "securityGroups[].allowSameGroupTraffic",
    refuses: "a value that is not true or false",
    upstream: "CRD schema (boolean): refused by the API server",
  },
  "sg.rule.priority": {
    field: "securityGroups[].*Rules[].priority",
    refuses: "a priority outside 1-16384",
    upstream: `${VALIDATE}: refused (SecurityGroupPriorityMin/Max); logged and retried, the group never syncs`,
  },
  "sg.rule.policy": {
    field: "securityGroups[].*Rules[].policy",
    refuses: "a policy other than allow, drop",
    upstream: "pkg/ovs newSgRuleACL: anything but allow (and pass) silently becomes drop",
  },
  "sg.rule.protocol": {
    field: "securityGroups[].*Rules[].protocol",
    refuses: "a protocol other than all, icmp, tcp, udp",
    upstream: "pkg/ovs newSgRuleACL: an unknown protocol matches every IP packet, as all",
  },
  "sg.rule.remote": {
    field: "securityGroups[].*Rules[].remoteAddress, remoteSecurityGroup",
    refuses: "none or both of remoteAddress and remoteSecurityGroup",
    upstream: `${VALIDATE} (remoteType address or securityGroup): refused`,
  },
  "sg.rule.remoteAddress.invalid": {
    field: "securityGroups[].*Rules[].remoteAddress",
    refuses: "a malformed address or CIDR, or host bits set",
    upstream: `${VALIDATE}: a malformed one refused; host bits accepted and the ACL matches the network`,
  },
  "sg.rule.remoteAddress.not-canonical": {
    field: "securityGroups[].*Rules[].remoteAddress",
    refuses: "an IPv6 address or CIDR not in canonical form; the message names it",
    upstream: "accepted; written into the ACL match as given, so the group's md5 changes when the form does",
  },
  "sg.rule.remoteSecurityGroup": {
    field: "securityGroups[].*Rules[].remoteSecurityGroup",
    refuses: "a group the tenant does not declare",
    upstream: `${VALIDATE}: the named group must exist; logged and retried`,
  },
  "sg.rule.ipVersion": {
    field: "securityGroups[].*Rules[].ipVersion",
    refuses: "a value other than ipv4, ipv6, one contradicting remoteAddress, or none where the family is not known",
    upstream: `${VALIDATE}: refused unless exactly ipv4 or ipv6 (required)`,
  },
  "sg.rule.ports": {
    field: "securityGroups[].*Rules[].ports",
    refuses: "a range outside 1-65535 or reversed, or ports on a protocol without them",
    upstream: `${VALIDATE}: tcp/udp ports 1-65535, min <= max, refused otherwise; ports on icmp/all silently ignored`,
  },
});
const R = securityGroupRules;

/** "n" or "a-b", 1 to 65535, a <= b. */
export function parsePortRange(text: unknown): [number, number] | undefined {
  const m = typeof text === "string" ? /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text) : null;
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

export function checkSecurityGroups(
  p: Problems,
  spec: TenantSpec,
  model: TenantModel,
  namespaces: Set<unknown>,
  naming: Naming,
): void {
  if (spec.securityGroups === undefined) return;
  if (!Array.isArray(spec.securityGroups)) {
    R.refuse(p, "sg.list", "securityGroups", spec.securityGroups, "must be a list");
    return;
  }
  checkNames(
    p,
    "securityGroups",
    spec.securityGroups,
    naming("SecurityGroup", objectNames.securityGroup),
    reservedNames("securityGroups", !!spec.monitoring),
  );
  const groups = new Set(spec.securityGroups.map((g) => g?.name));
  const families = new Set([...model.subnets.values()].flatMap((s) => s.net.cidrs.map((c) => c.family)));
  spec.securityGroups.forEach((g, i) => {
    const path = item("securityGroups", i, g?.name);
    if (!g || typeof g !== "object") return;
    if (!Array.isArray(g.namespaces))
      R.refuse(p, "sg.list", `${path}.namespaces`, g.namespaces, "must be a list of the tenant's namespaces");
    (Array.isArray(g.namespaces) ? g.namespaces : []).forEach((ns, j) => {
      if (!namespaces.has(ns))
        R.refuse(
          p,
          "sg.namespaces.undeclared",
          `${path}.namespaces[${j}]`,
          ns,
          "is not one of this tenant's namespaces",
        );
    });
    checkPodSelector(p, `${path}.podSelector`, g.podSelector);
    if (g.allowSameGroupTraffic !== undefined && typeof g.allowSameGroupTraffic !== "boolean")
      R.refuse(
        p,
        "sg.allowSameGroupTraffic",
        `${path}.allowSameGroupTraffic`,
        g.allowSameGroupTraffic,
        "must be true or false",
      );
    const rules = (list: "ingressRules" | "egressRules"): CheckedRule[] => {
      const out: CheckedRule[] = [];
      (g[list] ?? []).forEach((r, j) => {
        const checked = checkRule(p, `${path}.${list}[${j}]`, r, groups, families);
        if (checked) out.push(checked);
      });
      return out;
    };
    model.securityGroups.push({ spec: g, ingress: rules("ingressRules"), egress: rules("egressRules") });
  });
}

function checkRule(
  p: Problems,
  path: string,
  r: SecurityGroupRuleSpec,
  groups: Set<unknown>,
  families: Set<Family>,
): CheckedRule | undefined {
  if (!r || typeof r !== "object") {
    R.refuse(p, "sg.list", path, r, "must be an object");
    return undefined;
  }
  const before = p.list.length;
  if (!Number.isInteger(r.priority) || r.priority < 1 || r.priority > 16384)
    R.refuse(p, "sg.rule.priority", `${path}.priority`, r.priority, "must be an integer from 1 to 16384");
  if (!Object.values(SecurityGroupPolicy).includes(r.policy))
    R.refuse(
      p,
      "sg.rule.policy",
      `${path}.policy`,
      r.policy,
      `must be one of ${Object.values(SecurityGroupPolicy).join(", ")}`,
    );
  const protocol = r.protocol ?? SecurityGroupProtocol.All;
  if (!Object.values(SecurityGroupProtocol).includes(protocol))
    R.refuse(
      p,
      "sg.rule.protocol",
      `${path}.protocol`,
      r.protocol,
      `must be one of ${Object.values(SecurityGroupProtocol).join(", ")}`,
    );
  let family: Family | undefined;
  if ((r.remoteAddress === undefined) === (r.remoteSecurityGroup === undefined)) {
    R.refuse(p, "sg.rule.remote", path, r, "needs exactly one of remoteAddress and remoteSecurityGroup");
  } else if (r.remoteAddress !== undefined) {
    const text = r.remoteAddress;
    const at = `${path}.remoteAddress`;
    const c = typeof text === "string" && text.includes("/") ? parseCidr(text) : undefined;
    const a = typeof text === "string" && !text.includes("/") ? parseAddress(text) : undefined;
    const canonical = (c && nonCanonicalCidr(text, c)) || (a && nonCanonicalAddress(text, a));
    if (!c && !a) R.refuse(p, "sg.rule.remoteAddress.invalid", at, text, "is not a valid IP address or CIDR");
    else if (c?.hostBitsSet)
      R.refuse(p, "sg.rule.remoteAddress.invalid", at, text, `has host bits set; the network address is ${c.text}`);
    else if (canonical)
      R.refuse(p, "sg.rule.remoteAddress.not-canonical", at, text, `is not in canonical form; write ${canonical}`);
    family = c?.family ?? a?.family;
  } else if (!groups.has(r.remoteSecurityGroup)) {
    R.refuse(
      p,
      "sg.rule.remoteSecurityGroup",
      `${path}.remoteSecurityGroup`,
      r.remoteSecurityGroup,
      "is not one of this tenant's security groups",
    );
  }
  const named = r.ipVersion === "ipv4" ? 4 : r.ipVersion === "ipv6" ? 6 : undefined;
  if (r.ipVersion !== undefined && !named)
    R.refuse(p, "sg.rule.ipVersion", `${path}.ipVersion`, r.ipVersion, "must be ipv4 or ipv6");
  else if (named && family && named !== family)
    R.refuse(p, "sg.rule.ipVersion", `${path}.ipVersion`, r.ipVersion, `contradicts remoteAddress ${r.remoteAddress}`);
  family ??= named ?? (families.size === 1 ? [...families][0] : undefined);
  if (!family && r.remoteSecurityGroup !== undefined && r.ipVersion === undefined)
    R.refuse(
      p,
      "sg.rule.ipVersion",
      `${path}.ipVersion`,
      r.ipVersion,
      "is required for a remoteSecurityGroup rule on a dual-stack tenant",
    );
  let ports: [number, number] | undefined;
  if (protocol === SecurityGroupProtocol.Tcp || protocol === SecurityGroupProtocol.Udp) {
    ports = r.ports === undefined ? [1, 65535] : parsePortRange(r.ports);
    if (!ports)
      R.refuse(p, "sg.rule.ports", `${path}.ports`, r.ports, 'must be a port or a range "from-to" within 1-65535');
  } else if (r.ports !== undefined) {
    R.refuse(p, "sg.rule.ports", `${path}.ports`, r.ports, `only applies to tcp and udp, not ${protocol}`);
  }
  if (p.list.length > before || !family) return undefined;
  return { rule: r, ipVersion: family === 4 ? "ipv4" : "ipv6", ports };
}

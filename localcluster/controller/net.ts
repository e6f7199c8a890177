// Address arithmetic for the Kube-OVN stand-in, in the text forms Go's net package produces,
// because the stand-in writes addresses back into objects exactly as kube-ovn-controller would.
// Pure: no I/O.

export type Family = 4 | 6;
export type Protocol = "IPv4" | "IPv6" | "Dual" | "";

export interface Addr {
    family: Family;
    value: bigint;
}

export interface Cidr {
    family: Family;
    /** The network address (host bits cleared). */
    network: bigint;
    prefix: number;
}

export interface IPRange {
    family: Family;
    start: bigint;
    end: bigint;
}

const bits = (f: Family) => (f === 4 ? 32 : 128);

function parseIPv4(s: string): bigint | undefined {
    const parts = s.split(".");
    if (parts.length !== 4) return undefined;
    let v = 0n;
    for (const p of parts) {
        // Go's net.ParseIP rejects empty octets, signs and leading zeros
        if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
        const n = Number(p);
        if (n > 255) return undefined;
        v = (v << 8n) | BigInt(n);
    }
    return v;
}

function parseIPv6(s: string): bigint | undefined {
    let text = s;
    const lastColon = text.lastIndexOf(":");
    if (text.slice(lastColon + 1).includes(".")) {
        // trailing dotted IPv4 ("::ffff:1.2.3.4"): rewrite it as two hex groups
        const v4 = parseIPv4(text.slice(lastColon + 1));
        if (v4 === undefined) return undefined;
        text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const parseList = (t: string): bigint[] | undefined => {
        if (t === "") return [];
        const out: bigint[] = [];
        for (const g of t.split(":")) {
            if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
            out.push(BigInt(parseInt(g, 16)));
        }
        return out;
    };
    const head = parseList(halves[0]);
    const rest = halves.length === 2 ? parseList(halves[1]) : [];
    if (!head || !rest) return undefined;
    const given = head.length + rest.length;
    let groups: bigint[];
    if (halves.length === 2) {
        if (given > 7) return undefined;
        groups = [...head, ...Array<bigint>(8 - given).fill(0n), ...rest];
    } else {
        if (given !== 8) return undefined;
        groups = head;
    }
    return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Go's net.ParseIP; an IPv4-mapped IPv6 address counts as IPv4, as `To4() != nil` does upstream. */
export function parseIP(s: string): Addr | undefined {
    if (s.includes(":")) {
        const v = parseIPv6(s);
        if (v === undefined) return undefined;
        if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
        return { family: 6, value: v };
    }
    const v = parseIPv4(s);
    return v === undefined ? undefined : { family: 4, value: v };
}

/** Go's net.IP.String(): dotted quad, or RFC 5952 (longest zero run of 2+ groups becomes "::"). */
export function formatIP(a: Addr): string {
    if (a.family === 4) {
        return [24n, 16n, 8n, 0n].map((s) => ((a.value >> s) & 0xffn).toString()).join(".");
    }
    const groups: number[] = [];
    for (let i = 7; i >= 0; i--) groups.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
        if (groups[i] !== 0) {
            i++;
            continue;
        }
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > bestLen && j - i >= 2) {
            bestStart = i;
            bestLen = j - i;
        }
        i = j;
    }
    const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
    if (bestStart < 0) return hex(groups);
    return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Go's net.ParseCIDR, returning the network (host bits cleared) as ipNet.String() does. */
export function parseCIDR(s: string): Cidr | undefined {
    const slash = s.indexOf("/");
    if (slash < 0) return undefined;
    const ip = parseIP(s.slice(0, slash));
    const p = s.slice(slash + 1);
    if (!ip || !/^[0-9]{1,3}$/.test(p)) return undefined;
    // "::ffff:10.0.0.0/104"-style inputs keep their IPv6 prefix length upstream; not supported here
    if (ip.family === 4 && s.slice(0, slash).includes(":")) return undefined;
    const prefix = Number(p);
    const width = bits(ip.family);
    if (prefix > width) return undefined;
    const hostBits = BigInt(width - prefix);
    const network = (ip.value >> hostBits) << hostBits;
    return { family: ip.family, network, prefix };
}

export function formatCIDR(c: Cidr): string {
    return `${formatIP({ family: c.family, value: c.network })}/${c.prefix}`;
}

export function cidrLast(c: Cidr): bigint {
    return c.network + (1n << BigInt(bits(c.family) - c.prefix)) - 1n;
}

export function cidrContains(c: Cidr, a: Addr): boolean {
    return a.family === c.family && a.value >= c.network && a.value <= cidrLast(c);
}

/** pkg/util/net.go FirstIP: network+1, or the network address itself for a /31 (/127). */
export function firstIP(c: Cidr): bigint {
    return c.prefix + 1 === bits(c.family) ? c.network : c.network + 1n;
}

/** pkg/util/net.go LastIP: broadcast-1, or the broadcast address for a /31 (/127). */
export function lastIP(c: Cidr): bigint {
    const size = 1n << BigInt(bits(c.family) - c.prefix);
    return c.prefix + 1 === bits(c.family) ? c.network + size - 1n : c.network + size - 2n;
}

/** pkg/util/net.go AddressCountBigInt: 2^hostbits, minus 2 when there are at least 2 host bits. */
export function addressCount(c: Cidr): bigint {
    const host = bits(c.family) - c.prefix;
    const count = 1n << BigInt(host);
    return host >= 2 ? count - 2n : count;
}

/** pkg/util/net.go CheckProtocol, for an address, a CIDR, or a "v4,v6" pair of either. */
export function checkProtocol(address: string): Protocol {
    if (address === "") return "";
    const items = address.split(",");
    const fam = (s: string) => parseIP(s.split("/")[0])?.family;
    if (items.length === 2) {
        const [a, b] = items.map(fam);
        if (a === undefined || b === undefined) return "";
        return a !== b ? "Dual" : "";
    }
    const f = fam(address);
    return f === 4 ? "IPv4" : f === 6 ? "IPv6" : "";
}

/** "a..b" or "a" (as in excludeIps) to a range; undefined when it does not parse. */
export function parseRange(s: string): IPRange | undefined {
    const parts = s.split("..");
    if (parts.length > 2) return undefined;
    const start = parseIP(parts[0]);
    const end = parts.length === 2 ? parseIP(parts[1]) : start;
    if (!start || !end || start.family !== end.family) return undefined;
    return { family: start.family, start: start.value, end: end.value };
}

/** The excludeIps text form: "a" for a single address, "a..b" otherwise. */
export function formatRange(r: IPRange): string {
    const a = formatIP({ family: r.family, value: r.start });
    return r.start === r.end ? a : `${a}..${formatIP({ family: r.family, value: r.end })}`;
}

/**
 * A canonical range list (pkg/ipam/ip_range_list.go IPRangeList): one family, sorted,
 * overlapping and adjacent ranges merged.
 */
export function normaliseRanges(ranges: IPRange[]): IPRange[] {
    const sorted = ranges.filter((r) => r.start <= r.end).sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    const out: IPRange[] = [];
    for (const r of sorted) {
        const top = out[out.length - 1];
        if (top && r.start <= top.end + 1n) {
            if (r.end > top.end) top.end = r.end;
        } else {
            out.push({ ...r });
        }
    }
    return out;
}

/** IPRangeList.Separate: `from` minus every address in `minus` (both canonical, one family). */
export function subtractRanges(from: IPRange[], minus: IPRange[]): IPRange[] {
    let current = normaliseRanges(from);
    for (const m of normaliseRanges(minus)) {
        const next: IPRange[] = [];
        for (const r of current) {
            if (m.end < r.start || m.start > r.end) {
                next.push(r);
                continue;
            }
            if (r.start < m.start) next.push({ family: r.family, start: r.start, end: m.start - 1n });
            if (r.end > m.end) next.push({ family: r.family, start: m.end + 1n, end: r.end });
        }
        current = next;
    }
    return current;
}

/** IPRangeList.String(): "a", "a-b", joined by ",". */
export function formatRangeList(ranges: IPRange[]): string {
    return ranges
        .map((r) => {
            const a = formatIP({ family: r.family, value: r.start });
            return r.start === r.end ? a : `${a}-${formatIP({ family: r.family, value: r.end })}`;
        })
        .join(",");
}

export function rangeCount(ranges: IPRange[]): bigint {
    return ranges.reduce((n, r) => n + (r.end - r.start + 1n), 0n);
}

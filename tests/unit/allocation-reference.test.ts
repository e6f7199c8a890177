/**
 * The planner's address arithmetic against plain references on generated inputs: allocation
 * against a slow walk that keeps addresses as ip-num text, CIDR bounds and printing against ip-num's
 * own range and address objects.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { IPv4, IPv4CidrRange, IPv6, IPv6CidrRange, collapseIPv6Number } from "ip-num";
import { type AllocationRequest, allocate } from "../../provider/core/allocate";
import {
  type AddressRange,
  type Family,
  addressText,
  formatAddress,
  parseAddress,
  parseCidr,
} from "../../provider/core/net";

const bits = (f: Family) => (f === 4 ? 32 : 128);
const ipNumText = (f: Family, v: bigint) =>
  f === 4 ? new IPv4(v).toString() : collapseIPv6Number(new IPv6(v).toString());

/** ip-num's bounds of a CIDR written with its network address or any address inside. */
function ipNumRange(f: Family, address: bigint, prefix: number): { first: bigint; last: bigint } {
  const r =
    f === 4
      ? IPv4CidrRange.fromCidr(`${new IPv4(address).toString()}/${prefix}`)
      : IPv6CidrRange.fromCidr(`${new IPv6(address).toString()}/${prefix}`);
  return { first: r.getFirst().getValue(), last: r.getLast().getValue() };
}

/**
 * The allocation as its documentation states it, written for clarity: every address of the range
 * visited one by one from the key's sha256 position, taken addresses kept as ip-num text.
 */
function referenceAllocate(
  f: Family,
  address: bigint,
  prefix: number,
  requests: AllocationRequest[],
  excluded: AddressRange[],
  claims: Map<bigint, string>,
) {
  const range = ipNumRange(f, address, prefix);
  // Kube-OVN hands out neither the IPv4 network and broadcast addresses nor the IPv6 subnet-router anycast.
  const first = (f === 4 && prefix <= 30) || (f === 6 && prefix <= 126) ? range.first + 1n : range.first;
  const last = f === 4 && prefix <= 30 ? range.last - 1n : range.last;
  const size = last - first + 1n;
  const isExcluded = (v: bigint) => excluded.some((r) => r.family === f && v >= r.first && v <= r.last);
  let excludedCount = 0n;
  for (let v = first; v <= last; v++) if (isExcluded(v)) excludedCount++;
  const claimedText = new Set([...claims.keys()].map((v) => ipNumText(f, v)));
  const held = new Map([...claims].map(([v, key]) => [key, v]));
  const taken = new Set<string>();
  const rank = (r: AllocationRequest) => (r.fixed !== undefined ? 0 : held.has(r.key) ? 1 : 2);
  const ordered = [...requests].sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const addresses: [string, string][] = [];
  const exhausted: string[] = [];
  let free = size - excludedCount - BigInt(claims.size);
  for (const r of ordered) {
    if (r.fixed !== undefined) {
      taken.add(ipNumText(f, r.fixed));
      addresses.push([r.key, ipNumText(f, r.fixed)]);
    } else if (held.has(r.key)) {
      addresses.push([r.key, ipNumText(f, held.get(r.key) as bigint)]);
    } else if (free <= 0n) {
      exhausted.push(r.key);
    } else {
      const start = createHash("sha256").update(r.key).digest().readBigUInt64BE(0) % size;
      let found: string | undefined;
      for (let i = 0n; i < size && found === undefined; i++) {
        const v = first + ((start + i) % size);
        if (isExcluded(v)) continue;
        const text = ipNumText(f, v);
        if (!claimedText.has(text) && !taken.has(text)) found = text;
      }
      if (found === undefined) exhausted.push(r.key);
      else {
        taken.add(found);
        free--;
        addresses.push([r.key, found]);
      }
    }
  }
  return { addresses, exhausted, capacity: size - excludedCount };
}

const family = fc.constantFrom<Family>(4, 6);
/** A range of at most 1 024 addresses anywhere in the family's space, mostly small enough to fill up. */
const range = family.chain((f) =>
  fc.record({
    f: fc.constant(f),
    address: fc.bigInt({ min: 0n, max: (1n << BigInt(bits(f))) - 1n }),
    prefix: fc.oneof(fc.integer({ min: bits(f) - 4, max: bits(f) }), fc.integer({ min: bits(f) - 12, max: bits(f) })),
  }),
);
const knownKeys = fc.constantFrom(
  "a/eip/x",
  "a/eip/y",
  "b/eip/x",
  "b/interconnect",
  "c/eip/web",
  "d/eip/1",
  "e/eip/2",
  "f",
);
/** Built once: a stringMatching arbitrary is costly to set up. */
const requestKey = fc.oneof(knownKeys, fc.stringMatching(/^[a-z]{1,6}\/eip\/[a-z0-9]{1,4}$/));

/** A range with requests, exclusions and claims (by other keys and by requesters) placed in and around it. */
const scenario = range.chain(({ f, address, prefix }) => {
  const { first, last } = ipNumRange(f, address, prefix);
  const top = (1n << BigInt(bits(f))) - 1n;
  const around = fc.bigInt({ min: first > 2n ? first - 2n : 0n, max: last + 2n > top ? top : last + 2n });
  const inside = fc.bigInt({ min: first, max: last });
  return fc.record({
    f: fc.constant(f),
    address: fc.constant(address),
    prefix: fc.constant(prefix),
    requests: fc.uniqueArray(
      fc.record({
        key: requestKey,
        fixed: fc.option(inside, { nil: undefined, freq: 6 }),
      }),
      { selector: (r) => r.key, maxLength: 30 },
    ),
    excluded: fc.array(
      fc
        .tuple(around, fc.nat({ max: 20 }), fc.constantFrom<Family>(f, f, f, f === 4 ? 6 : 4))
        .map(([a, n, fam]): AddressRange => ({ family: fam, first: a, last: a + BigInt(n) })),
      { maxLength: 4 },
    ),
    claims: fc.array(fc.tuple(around, fc.oneof(knownKeys, fc.constant("other/eip/z"))), { maxLength: 12 }),
  });
});

describe("allocation against a plain reference", () => {
  it("hands out exactly the reference's addresses, exhaustion and capacity", () => {
    fc.assert(
      fc.property(scenario, ({ f, address, prefix, requests, excluded, claims }) => {
        const cidr = parseCidr(`${ipNumText(f, address)}/${prefix}`);
        assert.ok(cidr);
        const claimed = new Map(claims);
        const requestList: AllocationRequest[] = requests.map((r) =>
          r.fixed === undefined ? { key: r.key } : { key: r.key, fixed: r.fixed },
        );
        const got = allocate(cidr, requestList, { excluded, claims: claimed });
        const want = referenceAllocate(f, address, prefix, requestList, excluded, claimed);
        assert.deepEqual([...got.addresses], want.addresses);
        assert.deepEqual(got.exhausted, want.exhausted);
        assert.equal(got.capacity, want.capacity);
      }),
      { numRuns: 300 },
    );
  });

  it("fills a /16 with 10 000 keys as the reference does, the same addresses key by key", () => {
    const cidr = parseCidr("100.64.0.0/16");
    assert.ok(cidr);
    const requests = Array.from({ length: 10_000 }, (_, i) => ({ key: `t${i}/eip/out` }));
    const gateway: AddressRange = { family: 4, first: cidr.first + 1n, last: cidr.first + 1n };
    // A third already held by others, so walks past taken addresses are frequent.
    const claims = new Map(Array.from({ length: 20_000 }, (_, i) => [cidr.first + 2n + BigInt(i) * 3n, `held${i}`]));
    const got = allocate(cidr, requests, { excluded: [gateway], claims });
    const want = referenceAllocate(4, cidr.first, 16, requests, [gateway], claims);
    assert.equal(got.addresses.size, 10_000);
    assert.deepEqual([...got.addresses], want.addresses);
  });
});

describe("address arithmetic against ip-num", () => {
  it("a CIDR's bounds, canonical text and host bits are ip-num's", () => {
    const anyCidr = family.chain((f) =>
      fc.tuple(
        fc.constant(f),
        fc.bigInt({ min: 0n, max: (1n << BigInt(bits(f))) - 1n }),
        fc.integer({ min: 0, max: bits(f) }),
      ),
    );
    fc.assert(
      fc.property(anyCidr, ([f, address, prefix]) => {
        const c = parseCidr(`${ipNumText(f, address)}/${prefix}`);
        const want = ipNumRange(f, address, prefix);
        assert.ok(c);
        assert.deepEqual(
          {
            family: c.family,
            first: c.first,
            last: c.last,
            prefix: c.prefix,
            text: c.text,
            hostBitsSet: c.hostBitsSet,
          },
          {
            family: f,
            first: want.first,
            last: want.last,
            prefix,
            text: `${ipNumText(f, want.first)}/${prefix}`,
            hostBitsSet: want.first !== address,
          },
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("prints IPv4 as ip-num does", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), (v) => {
        assert.equal(formatAddress(4, v), new IPv4(v).toString());
      }),
      { numRuns: 2000 },
    );
    for (const v of [0n, 1n, 255n, 256n, 0x7fffffffn, 0x80000000n, 0xffffffffn])
      assert.equal(formatAddress(4, v), new IPv4(v).toString());
    assert.throws(() => formatAddress(4, 1n << 32n));
    assert.throws(() => formatAddress(4, -1n));
  });

  it("an allocated address reads back as ip-num parses its text", () => {
    fc.assert(
      fc.property(family, fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (f, raw) => {
        const v = f === 4 ? raw & 0xffffffffn : raw;
        const text = addressText(f, v);
        assert.equal(text, ipNumText(f, v));
        assert.equal((f === 4 ? new IPv4(text) : new IPv6(text)).getValue(), v);
        assert.deepEqual(parseAddress(text), { family: f, value: v, text });
      }),
      { numRuns: 1000 },
    );
  });

  it("a parse is shared by every reader, so it cannot be changed", () => {
    const a = parseAddress("192.0.2.7");
    assert.ok(a);
    assert.equal(parseAddress("192.0.2.7"), a);
    assert.throws(() => {
      (a as { value: bigint }).value = 1n;
    }, TypeError);
    const c = parseCidr("192.0.2.0/24");
    assert.ok(c);
    assert.throws(() => {
      (c as { first: bigint }).first = 1n;
    }, TypeError);
    assert.equal(parseAddress("192.0.2.7")?.value, 0xc0000207n);
  });
});

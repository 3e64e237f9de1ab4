/** CIDR blocks for the EventBridge `cidr` filter (IPv4 and IPv6, compared as big integers). */
import { isIPv4, isIPv6 } from 'node:net';

interface Address {
  bits: 32 | 128;
  value: bigint;
}

function parseAddress(text: string): Address | undefined {
  if (isIPv4(text)) {
    const value = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { bits: 32, value };
  }
  if (!isIPv6(text)) return undefined;
  // Rewrite an embedded IPv4 tail as two hex groups, then expand "::" into the missing zero groups.
  let head = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = parseAddress(v4[1])!.value;
    head = `${text.slice(0, -v4[1].length)}${((n >> 16n) & 0xffffn).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array(right === undefined ? 0 : Math.max(missing, 0)).fill('0'), ...rightGroups];
  if (groups.length !== 8) return undefined;
  return { bits: 128, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** Parses "a.b.c.d/n" or "x::y/n"; undefined when it is not a CIDR block. */
export function parseCidr(text: string): { network: Address; prefix: number } | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const network = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!network || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > network.bits) return undefined;
  return { network, prefix };
}

/** True when the address text lies inside the CIDR block (false for anything that is not an IP address). */
export function cidrContains(cidr: string, addressText: string): boolean {
  const block = parseCidr(cidr);
  const address = parseAddress(addressText);
  if (!block || !address || address.bits !== block.network.bits) return false;
  const shift = BigInt(block.network.bits - block.prefix);
  return address.value >> shift === block.network.value >> shift;
}

import { errors, RatelimitError } from './errors'

type Address = { version: 4 | 6; value: bigint }
type Range = Address & { bits: number }

/** Named ranges for a `trustedProxy` list. */
const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    value = (value << 8n) | BigInt(n)
  }
  return value
}

function parseV6(text: string): bigint | undefined {
  let head = text
  let tailV4: bigint | undefined
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    tailV4 = parseV4(text.slice(lastColon + 1))
    if (tailV4 === undefined) return undefined
    head = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = head.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (part: string | undefined) => (part ? part.split(':') : [])
  const left = groupsOf(halves[0])
  const right = groupsOf(halves[1])
  const missing = 8 - left.length - right.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right]
  let value = 0n
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined
    value = (value << 16n) | BigInt(Number.parseInt(group, 16))
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4
  return value
}

/**
 * An IP as it appears in a socket or a forwarding header: brackets, a zone, an IPv4 port and
 * the IPv4-mapped IPv6 form (`::ffff:1.2.3.4`, what Node reports on dual-stack sockets) are
 * normalised away, so one client has one identifier.
 */
export function parseIp(input: string): Address | undefined {
  let text = input.trim()
  if (text.startsWith('['))
    text = text.slice(1, text.indexOf(']') > 0 ? text.indexOf(']') : undefined)
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) text = text.slice(0, text.indexOf(':'))
  const v4 = parseV4(text)
  if (v4 !== undefined) return { version: 4, value: v4 }
  const v6 = parseV6(text)
  if (v6 === undefined) return undefined
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn }
  return { version: 6, value: v6 }
}

/** The canonical text of an address: dotted IPv4, or compressed lower-case IPv6. */
export function formatIp(address: Address): string {
  if (address.version === 4) {
    const v = address.value
    return [24n, 16n, 8n, 0n].map((shift) => String((v >> shift) & 0xffn)).join('.')
  }
  const groups: string[] = []
  for (let shift = 112n; shift >= 0n; shift -= 16n)
    groups.push(((address.value >> shift) & 0xffffn).toString(16))
  // compress the longest run of zero groups, as RFC 5952 asks
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLength) {
      best = i
      bestLength = j - i
    }
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`
}

/** Canonical form of an IP string, or undefined when it is not one. */
export function normalizeIp(input: string): string | undefined {
  const address = parseIp(input)
  return address ? formatIp(address) : undefined
}

function parseRange(entry: string): Range {
  const [ip = '', bitsText] = entry.split('/')
  const address = parseIp(ip)
  const written = ip.includes(':') ? 128 : 32
  let bits = bitsText === undefined ? written : Number(bitsText)
  // `::ffff:10.0.0.0/104` is folded to IPv4 by parseIp; its prefix length follows
  if (address?.version === 4 && written === 128) bits -= 96
  const max = address?.version === 4 ? 32 : 128
  if (!address || !Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new RatelimitError(
      errors.E_PROXY_INVALID,
      `trustedProxy: ${JSON.stringify(entry)} is not an IP, a CIDR range or one of ${Object.keys(NAMED).join(', ')}`,
    )
  }
  return { ...address, bits }
}

/** A predicate over IP strings for a list of addresses, CIDR ranges and named ranges. */
export function ipMatcher(entries: readonly string[]): (ip: string) => boolean {
  const ranges = entries.flatMap((entry) => (NAMED[entry] ?? [entry]).map(parseRange))
  return (ip) => {
    const address = parseIp(ip)
    if (!address) return false
    return ranges.some((range) => {
      if (range.version !== address.version) return false
      const width = BigInt(range.version === 4 ? 32 : 128)
      const shift = width - BigInt(range.bits)
      return address.value >> shift === range.value >> shift
    })
  }
}

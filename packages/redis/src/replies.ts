/** Reply shaping shared by every driver, so a reply means the same thing everywhere. */

export function toNumber(reply: unknown): number {
  if (typeof reply === 'number') return reply
  if (typeof reply === 'string') {
    // Redis spells infinite scores 'inf' / '-inf'.
    if (reply === 'inf' || reply === '+inf') return Number.POSITIVE_INFINITY
    if (reply === '-inf') return Number.NEGATIVE_INFINITY
    return Number(reply)
  }
  return Number.NaN
}

export function toNumberOrNull(reply: unknown): number | null {
  return reply === null || reply === undefined ? null : toNumber(reply)
}

export function toStringOrNull(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null
  return typeof reply === 'string' ? reply : String(reply)
}

export function toStrings(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.map((item) => String(item)) : []
}

export function toRecord(reply: unknown): Record<string, string> {
  const record: Record<string, string> = {}
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = String(reply[i + 1])
  } else if (reply && typeof reply === 'object') {
    for (const [field, value] of Object.entries(reply)) record[field] = String(value)
  }
  return record
}

export function toZMembers(reply: unknown): { member: string; score: number }[] {
  const members: { member: string; score: number }[] = []
  if (!Array.isArray(reply)) return members
  for (let i = 0; i + 1 < reply.length; i += 2) {
    members.push({ member: String(reply[i]), score: toNumber(reply[i + 1]) })
  }
  return members
}

import { createHash } from 'node:crypto'
import type { Arg } from './commands'

/** The Upstash-only script flag that plain Redis rejects in a `#!lua` shebang. */
const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking'])
const SHEBANG = /^#!lua([^\n]*)(\n|$)/

export function sha1(source: string | Buffer): string {
  return createHash('sha1').update(source).digest('hex')
}

/**
 * Removes Upstash-only flags from a `#!lua` first line. When no flag is left, the line is
 * emptied rather than removed, so line numbers in Lua error messages stay those the
 * client wrote. Returns the source unchanged when there is nothing to strip.
 */
export function stripUpstashFlags(source: string): string {
  const match = SHEBANG.exec(source)
  if (!match) return source
  const options = (match[1] ?? '').trim().split(/\s+/).filter(Boolean)
  let changed = false
  const kept: string[] = []
  for (const option of options) {
    if (!option.startsWith('flags=')) {
      kept.push(option)
      continue
    }
    const flags = option.slice('flags='.length).split(',').filter(Boolean)
    const remaining = flags.filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag))
    if (remaining.length !== flags.length) changed = true
    if (remaining.length > 0) kept.push(`flags=${remaining.join(',')}`)
  }
  if (!changed) return source
  const rest = source.slice(match[0].length)
  const newline = match[2] ?? ''
  if (kept.length === 0) return `${newline}${rest}`
  return `#!lua ${kept.join(' ')}${newline}${rest}`
}

/** Removes any shebang line, for backends whose Lua does not know Redis 7 script flags. */
export function stripShebang(source: string): string {
  const match = SHEBANG.exec(source)
  return match ? `${match[2] ?? ''}${source.slice(match[0].length)}` : source
}

/**
 * Keeps the SHA1 a client computed over its own source valid after the server rewrote
 * that source: the client calls EVALSHA with sha1(original); Redis only knows
 * sha1(stripped). Bounded, oldest entry first out; a forgotten entry costs the client
 * one NOSCRIPT and an EVAL, which re-registers it.
 */
export class ScriptShaMap {
  readonly #map = new Map<string, string>()
  readonly #limit: number

  constructor(limit = 10_000) {
    this.#limit = limit
  }

  set(clientSha: string, serverSha: string): void {
    this.#map.delete(clientSha)
    this.#map.set(clientSha, serverSha)
    if (this.#map.size > this.#limit) {
      const oldest = this.#map.keys().next().value
      if (oldest !== undefined) this.#map.delete(oldest)
    }
  }

  resolve(clientSha: string): string {
    return this.#map.get(clientSha.toLowerCase()) ?? clientSha
  }
}

function text(arg: Arg): string {
  return typeof arg === 'string' ? arg : arg.toString('utf8')
}

/**
 * Rewrites script commands so a script carrying Upstash-only flags runs on plain Redis
 * under the SHA the client knows. Other commands pass through untouched.
 */
export function rewriteScriptCommand(name: string, args: Arg[], shas: ScriptShaMap): Arg[] {
  if ((name === 'EVAL' || name === 'EVAL_RO') && args[0] !== undefined) {
    const source = text(args[0])
    const stripped = stripUpstashFlags(source)
    if (stripped === source) return args
    shas.set(sha1(source), sha1(stripped))
    return [stripped, ...args.slice(1)]
  }
  if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && args[0] !== undefined) {
    const sha = text(args[0])
    const resolved = shas.resolve(sha)
    return resolved === sha ? args : [resolved, ...args.slice(1)]
  }
  if (name === 'SCRIPT' && args.length >= 2) {
    const sub = text(args[0] as Arg).toUpperCase()
    if (sub === 'LOAD') {
      const source = text(args[1] as Arg)
      const stripped = stripUpstashFlags(source)
      if (stripped === source) return args
      shas.set(sha1(source), sha1(stripped))
      return [args[0] as Arg, stripped]
    }
    if (sub === 'EXISTS') {
      return [args[0] as Arg, ...args.slice(1).map((sha) => shas.resolve(text(sha)))]
    }
  }
  return args
}

/**
 * SCRIPT LOAD answers with the SHA of what Redis loaded; the client expects the SHA of
 * what it sent.
 */
export function scriptLoadReplySha(name: string, originalArgs: readonly Arg[]): string | undefined {
  if (name !== 'SCRIPT' || originalArgs.length < 2) return undefined
  if (text(originalArgs[0] as Arg).toUpperCase() !== 'LOAD') return undefined
  const source = text(originalArgs[1] as Arg)
  return stripUpstashFlags(source) === source ? undefined : sha1(source)
}

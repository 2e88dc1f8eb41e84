import type { AclMode } from './acl'
import { DEFAULT_DENY_LIST } from './commands'
import { errors, RestServerError } from './errors'

/** Where the server sends commands. */
export type RedisTarget =
  /** `redis://…`, `rediss://…`, or `memory://` for the in-process emulation. */
  | string
  | { url: string }
  /** A Redis Cluster, by any subset of its nodes. */
  | {
      nodes: readonly { host: string; port: number }[]
      password?: string
      username?: string
    }

/**
 * Log sink. Lines never contain a token, a key or a value: request lines carry the
 * method, the endpoint, command names, the status and the duration.
 */
export type RestLogger = {
  debug?(line: string): void
  info?(line: string): void
  warn?(line: string): void
  error?(line: string): void
}

export type RestServerOptions = {
  /** The Redis behind the server. */
  redis: RedisTarget
  /** The read-write token clients send as `Authorization: Bearer …` or `?_token=…`. */
  token: string
  /** A token that may only run read commands (403 on anything else). */
  readOnlyToken?: string
  /**
   * Commands refused with 403: a name (`FLUSHALL`) or a name and a subcommand or option
   * (`CLIENT KILL`, `XREAD BLOCK`). Replaces the default list; spread
   * `DEFAULT_DENY_LIST` to extend it.
   * @default DEFAULT_DENY_LIST
   */
  denyList?: readonly string[]
  /**
   * How Redis itself enforces the deny list and the read-only token, so that a script's
   * `redis.call` is refused what its request may not run (Redis 6+ ACL users):
   * - `'auto'`: at start the server creates two users (`ACL SETUSER`, as the user of the
   *   `redis` URL) with passwords derived from `token`, and connects as them; if Redis
   *   refuses (Redis < 6, no permission) it logs a warning and checks in code only.
   * - `'require'`: as `'auto'`, but a refusal is an error (`E_ACL_UNAVAILABLE`).
   * - `'off'`: code checks only; read-only tokens may then not run scripts.
   * - `{ readWrite, readOnly? }`: users you provisioned (`aclRules()` gives their rules).
   * `memory://` enforces the same in its script host whatever this says.
   * @default 'auto'
   */
  acl?: AclMode
  /** Largest request body in bytes; larger bodies get 413. @default 10_485_760 (10 MiB) */
  maxBodyBytes?: number
  /**
   * Most words in one `/pipeline` or `/multi-exec` request, all its commands together; more
   * get 400 `E_LIMIT_EXCEEDED`, refused while the body arrives. Bounds one request's work:
   * each word costs about a microsecond from parse to reply, and Redis runs the whole
   * pipeline while other clients wait.
   * @default 100_000
   */
  maxPipelineArgs?: number
  /**
   * Longest a request body may take to arrive: a slower client gets 408
   * (`E_LIMIT_EXCEEDED`) and its connection is closed. On the Node server it also bounds the
   * headers.
   * @default 10_000
   */
  bodyTimeoutMs?: number
  /** Most commands in one `/pipeline` or `/multi-exec` request. @default 1000 */
  maxPipelineLength?: number
  /**
   * Most words in one command, its name included (`["MGET","a","b"]` is 3); more get 400
   * `E_LIMIT_EXCEEDED`. The Redis backend handles any count; `memory://` (ioredis-mock)
   * spreads arguments on the stack and fails a command past about 20 000 of them.
   * @default 10_000
   */
  maxArgs?: number
  /** Connections to Redis (per cluster node on a cluster). @default 4 */
  poolSize?: number
  /** Longest wait for Redis per request before 504. @default 10_000 */
  requestTimeoutMs?: number
  /** How long `close()` waits for in-flight requests before closing connections. @default 10_000 */
  drainTimeoutMs?: number
  /** Interval of SSE keep-alive comments on subscriptions. @default 15_000 */
  heartbeatMs?: number
  /** @default no logging */
  logger?: RestLogger
}

export type ResolvedOptions = Required<Omit<RestServerOptions, 'readOnlyToken'>> & {
  readOnlyToken: string | undefined
}

const DEFAULTS = {
  acl: 'auto',
  denyList: DEFAULT_DENY_LIST,
  maxBodyBytes: 10 * 1024 * 1024,
  maxPipelineLength: 1000,
  bodyTimeoutMs: 10_000,
  maxArgs: 10_000,
  maxPipelineArgs: 100_000,
  poolSize: 4,
  requestTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
  heartbeatMs: 15_000,
  logger: {},
} satisfies Partial<RestServerOptions>

function invalid(message: string): never {
  throw new RestServerError(errors.E_OPTION_INVALID, message)
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) invalid(`${name} must be a positive integer`)
}

function checkAcl(acl: unknown): void {
  if (acl === 'auto' || acl === 'require' || acl === 'off') return
  const isUser = (user: unknown): boolean =>
    typeof user === 'object' &&
    user !== null &&
    typeof (user as { username?: unknown }).username === 'string' &&
    (user as { username: string }).username !== '' &&
    typeof (user as { password?: unknown }).password === 'string'
  if (typeof acl !== 'object' || acl === null) {
    invalid("acl must be 'auto', 'require', 'off' or { readWrite, readOnly? }")
  }
  const { readWrite, readOnly } = acl as { readWrite?: unknown; readOnly?: unknown }
  if (!isUser(readWrite)) invalid('acl.readWrite must be { username, password }')
  if (readOnly !== undefined && !isUser(readOnly)) {
    invalid('acl.readOnly must be { username, password }')
  }
}

export function resolveOptions(options: RestServerOptions): ResolvedOptions {
  const resolved = { ...DEFAULTS, ...options, readOnlyToken: options.readOnlyToken }
  if (typeof resolved.token !== 'string' || resolved.token.length === 0) {
    invalid('token must be a non-empty string')
  }
  if (resolved.readOnlyToken !== undefined) {
    if (resolved.readOnlyToken.length === 0) invalid('readOnlyToken must not be empty')
    if (resolved.readOnlyToken === resolved.token) invalid('readOnlyToken must differ from token')
  }
  checkAcl(resolved.acl)
  positiveInteger('maxBodyBytes', resolved.maxBodyBytes)
  positiveInteger('maxPipelineLength', resolved.maxPipelineLength)
  positiveInteger('maxArgs', resolved.maxArgs)
  positiveInteger('maxPipelineArgs', resolved.maxPipelineArgs)
  positiveInteger('bodyTimeoutMs', resolved.bodyTimeoutMs)
  positiveInteger('poolSize', resolved.poolSize)
  positiveInteger('requestTimeoutMs', resolved.requestTimeoutMs)
  positiveInteger('heartbeatMs', resolved.heartbeatMs)
  if (!Number.isInteger(resolved.drainTimeoutMs) || resolved.drainTimeoutMs < 0) {
    invalid('drainTimeoutMs must be a non-negative integer')
  }
  return resolved
}

export type ParsedTarget =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string }
  | {
      kind: 'cluster'
      nodes: { host: string; port: number }[]
      password?: string
      username?: string
    }

/** Accepts one URL, a comma-separated list of node URLs (a cluster), or an object. */
export function parseTarget(target: RedisTarget): ParsedTarget {
  if (typeof target === 'object' && target !== null && 'nodes' in target) {
    if (target.nodes.length === 0) invalid('redis.nodes must list at least one node')
    return { kind: 'cluster', ...target, nodes: [...target.nodes] }
  }
  const raw = typeof target === 'string' ? target : target?.url
  if (typeof raw !== 'string' || raw.trim() === '') invalid('redis must be a URL or { nodes }')
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
  const parsed = urls.map((u) => {
    try {
      return new URL(u)
    } catch {
      return invalid('redis URL is not valid')
    }
  })
  const first = parsed[0] as URL
  if (first.protocol === 'memory:') return { kind: 'memory' }
  for (const url of parsed) {
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      invalid(`unsupported redis URL scheme ${url.protocol} (redis:, rediss:, memory:)`)
    }
  }
  if (parsed.length === 1) return { kind: 'redis', url: urls[0] as string }
  const password = first.password ? decodeURIComponent(first.password) : undefined
  const username = first.username ? decodeURIComponent(first.username) : undefined
  return {
    kind: 'cluster',
    nodes: parsed.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
    ...(password === undefined ? {} : { password }),
    ...(username === undefined ? {} : { username }),
  }
}

/** A target for log lines: scheme, host and port, never credentials. */
export function describeTarget(target: ParsedTarget): string {
  if (target.kind === 'memory') return 'memory://'
  if (target.kind === 'cluster') {
    return `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`
  }
  const url = new URL(target.url)
  return `${url.protocol}//${url.hostname}:${url.port || 6379}`
}

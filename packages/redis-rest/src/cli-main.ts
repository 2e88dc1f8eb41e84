import { parseArgs } from 'node:util'
import type { AclMode } from './acl'
import { DEFAULT_DENY_LIST } from './commands'
import { errors, RestServerError } from './errors'
import { type RunningRestServer, type StartRestServerOptions, startRestServer } from './node'
import { describeTarget, parseTarget, type RestLogger } from './options'

export const USAGE = `Usage: hotpath-redis-rest [options]

An Upstash-REST-compatible HTTP server in front of Redis.

Options (environment variable in brackets):
  --redis <url>              redis://…, rediss://…, memory://, or comma-separated cluster
                             node URLs [HOTPATH_REST_REDIS, REDIS_URL] (default redis://127.0.0.1:6379)
  --token <token>            read-write token, required [HOTPATH_REST_TOKEN]
  --read-only-token <token>  read-only token [HOTPATH_REST_READ_ONLY_TOKEN]
  --port <port>              [HOTPATH_REST_PORT, PORT] (default 8079)
  --host <host>              [HOTPATH_REST_HOST] (default 127.0.0.1)
  --deny <list>              comma-separated deny list, replaces the default [HOTPATH_REST_DENY]
  --acl <mode>               auto | require | off: Redis ACL users enforce the deny list and
                             the read-only token, scripts included [HOTPATH_REST_ACL] (default auto)
  --acl-user <name>          a read-write ACL user you provisioned, instead of auto
                             [HOTPATH_REST_ACL_USER; password in HOTPATH_REST_ACL_PASSWORD]
  --acl-read-only-user <name> its read-only counterpart [HOTPATH_REST_ACL_READ_ONLY_USER;
                             password in HOTPATH_REST_ACL_READ_ONLY_PASSWORD]
  --max-body-bytes <n>       [HOTPATH_REST_MAX_BODY_BYTES] (default 10485760)
  --max-pipeline-length <n>  [HOTPATH_REST_MAX_PIPELINE_LENGTH] (default 1000)
  --max-args <n>             most words in one command [HOTPATH_REST_MAX_ARGS] (default 10000)
  --max-pipeline-args <n>    most words in one pipeline [HOTPATH_REST_MAX_PIPELINE_ARGS] (default 100000)
  --body-timeout-ms <n>      longest a request body may take [HOTPATH_REST_BODY_TIMEOUT_MS] (default 10000)
  --pool-size <n>            connections to Redis [HOTPATH_REST_POOL_SIZE] (default 4)
  --request-timeout-ms <n>   [HOTPATH_REST_REQUEST_TIMEOUT_MS] (default 10000)
  --log-level <level>        debug | info | warn | error | silent [HOTPATH_REST_LOG_LEVEL] (default info)
  --help                     print this text

Prefer the environment for tokens: command-line arguments are visible to other local users.
`

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LEVELS)[number]

export type CliConfig = { options: StartRestServerOptions; logLevel: LogLevel }

function invalid(message: string): never {
  throw new RestServerError(errors.E_OPTION_INVALID, message)
}

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) invalid(`${name} must be a non-negative integer`)
  return value
}

/** Flags win over environment variables; unknown flags are an error. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        redis: { type: 'string' },
        token: { type: 'string' },
        'read-only-token': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        deny: { type: 'string' },
        acl: { type: 'string' },
        'acl-user': { type: 'string' },
        'acl-read-only-user': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'max-pipeline-length': { type: 'string' },
        'max-args': { type: 'string' },
        'body-timeout-ms': { type: 'string' },
        'max-pipeline-args': { type: 'string' },
        'pool-size': { type: 'string' },
        'request-timeout-ms': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    throw new RestServerError(errors.E_OPTION_INVALID, (error as Error).message, { cause: error })
  }
  if (values.help) return 'help'
  const flag = (name: string, ...vars: string[]): string | undefined => {
    const value = values[name]
    if (typeof value === 'string') return value
    for (const name of vars) if (env[name]) return env[name]
    return undefined
  }
  const token = flag('token', 'HOTPATH_REST_TOKEN')
  if (!token) invalid('a token is required: --token or HOTPATH_REST_TOKEN')
  const logLevel = (flag('log-level', 'HOTPATH_REST_LOG_LEVEL') ?? 'info') as LogLevel
  if (!LEVELS.includes(logLevel)) invalid(`--log-level must be one of ${LEVELS.join(', ')}`)
  const deny = flag('deny', 'HOTPATH_REST_DENY')
  const options: StartRestServerOptions = {
    redis: flag('redis', 'HOTPATH_REST_REDIS', 'REDIS_URL') ?? 'redis://127.0.0.1:6379',
    token,
    port: integer('--port', flag('port', 'HOTPATH_REST_PORT', 'PORT')) ?? 8079,
    host: flag('host', 'HOTPATH_REST_HOST') ?? '127.0.0.1',
    denyList:
      deny === undefined
        ? DEFAULT_DENY_LIST
        : deny
            .split(',')
            .map((entry) => entry.trim())
            .filter(Boolean),
  }
  options.acl = aclOf(flag, env)
  const readOnlyToken = flag('read-only-token', 'HOTPATH_REST_READ_ONLY_TOKEN')
  if (readOnlyToken) options.readOnlyToken = readOnlyToken
  const limits = {
    maxBodyBytes: integer(
      '--max-body-bytes',
      flag('max-body-bytes', 'HOTPATH_REST_MAX_BODY_BYTES'),
    ),
    maxPipelineLength: integer(
      '--max-pipeline-length',
      flag('max-pipeline-length', 'HOTPATH_REST_MAX_PIPELINE_LENGTH'),
    ),
    maxArgs: integer('--max-args', flag('max-args', 'HOTPATH_REST_MAX_ARGS')),
    maxPipelineArgs: integer(
      '--max-pipeline-args',
      flag('max-pipeline-args', 'HOTPATH_REST_MAX_PIPELINE_ARGS'),
    ),
    bodyTimeoutMs: integer(
      '--body-timeout-ms',
      flag('body-timeout-ms', 'HOTPATH_REST_BODY_TIMEOUT_MS'),
    ),
    poolSize: integer('--pool-size', flag('pool-size', 'HOTPATH_REST_POOL_SIZE')),
    requestTimeoutMs: integer(
      '--request-timeout-ms',
      flag('request-timeout-ms', 'HOTPATH_REST_REQUEST_TIMEOUT_MS'),
    ),
  }
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined) Object.assign(options, { [name]: value })
  }
  return { options, logLevel }
}

/** `--acl` and the provisioned users; passwords only from the environment. */
function aclOf(
  flag: (name: string, ...vars: string[]) => string | undefined,
  env: NodeJS.ProcessEnv,
): AclMode {
  const user = flag('acl-user', 'HOTPATH_REST_ACL_USER')
  const readOnlyUser = flag('acl-read-only-user', 'HOTPATH_REST_ACL_READ_ONLY_USER')
  const mode = flag('acl', 'HOTPATH_REST_ACL')
  if (user === undefined) {
    if (readOnlyUser !== undefined) invalid('--acl-read-only-user needs --acl-user')
    if (mode === undefined) return 'auto'
    if (mode !== 'auto' && mode !== 'require' && mode !== 'off') {
      invalid('--acl must be one of auto, require, off')
    }
    return mode
  }
  if (mode !== undefined) invalid('--acl and --acl-user exclude each other')
  const readWrite = { username: user, password: env.HOTPATH_REST_ACL_PASSWORD ?? '' }
  if (readOnlyUser === undefined) return { readWrite }
  return {
    readWrite,
    readOnly: { username: readOnlyUser, password: env.HOTPATH_REST_ACL_READ_ONLY_PASSWORD ?? '' },
  }
}

/** Log lines on a stream, filtered by level. */
export function createCliLogger(level: LogLevel, write: (line: string) => void): RestLogger {
  const threshold = LEVELS.indexOf(level)
  const at =
    (name: LogLevel) =>
    (line: string): void => {
      if (LEVELS.indexOf(name) >= threshold) write(`${new Date().toISOString()} ${name} ${line}\n`)
    }
  return {
    ...(threshold <= 0 ? { debug: at('debug') } : {}),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
}

export type CliIo = {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Where SIGTERM/SIGINT arrive; `process` in the real CLI. */
  signals: { once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown }
}

export type CliRun = { server: RunningRestServer; stopped: Promise<void> }

/**
 * Starts the server from flags and environment, prints the ready line, and on SIGTERM or
 * SIGINT stops accepting, drains in-flight requests and exits. Resolves once listening.
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<CliRun | 'help'> {
  const config = parseCliArgs(argv, env)
  if (config === 'help') {
    io.stdout(USAGE)
    return 'help'
  }
  const logger = createCliLogger(config.logLevel, io.stderr)
  const server = await startRestServer({ ...config.options, logger })
  const target = describeTarget(parseTarget(config.options.redis))
  io.stdout(`hotpath-redis-rest ready on ${server.url} (redis ${target})\n`)
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => () => {
      logger.info?.(`${signal}: draining in-flight requests`)
      server.close().then(
        () => {
          logger.info?.('stopped')
          resolve()
        },
        () => resolve(),
      )
    }
    io.signals.once('SIGTERM', stop('SIGTERM'))
    io.signals.once('SIGINT', stop('SIGINT'))
  })
  return { server, stopped }
}

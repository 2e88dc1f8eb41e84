import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RedisClient } from '@hotpath/redis'
import { createUpstashRedis } from '@hotpath/redis/upstash'

export const CHROMIUM = '/usr/bin/chromium'
export const webDir = join(import.meta.dirname, '..', '..')
export const resultsDir = join(webDir, 'test-results')

export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM}. Install it with \`sudo apt-get install -y chromium\` (Debian/Ubuntu), then run the tests again.`,
    )
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

export type RunningStack = {
  url: string
  log: () => string
  /** The stack's embedded Redis (the in-memory REST server), as the app sees it. */
  redis(): RedisClient
  stop(): Promise<void>
}

/**
 * The README's one command (`tsx scripts/stack.ts`): the in-memory REST Redis, PGlite in a
 * fresh directory, `next build` only when the sources changed since the last one, `next start`.
 */
export async function startStack(): Promise<RunningStack> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-web-e2e-'))
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOTPATH_DATA_DIR: dataDir }
  for (const name of [
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'KV_REST_API_URL',
    'KV_REST_API_TOKEN',
    'REDIS_URL',
    'DATABASE_URL',
    'HOTPATH_KEY_PREFIX',
  ]) {
    delete env[name]
  }
  env.HOTPATH_SEED_PAGE_VIEWS = '20000'
  // Rebuild when the app changed; package edits alone reuse the last build (one build per run).
  env.HOTPATH_BUILD ??= 'app'
  const tsx = join(webDir, 'node_modules', 'tsx', 'dist', 'cli.mjs')
  const child: ChildProcess = spawn(process.execPath, [tsx, 'scripts/stack.ts', '--no-api'], {
    cwd: webDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString()
  })
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await redis?.close()
    if (child.exitCode === null && child.pid) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  let redis: RedisClient | undefined
  const openRedis = () => {
    if (!redis) {
      const info = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as {
        redis?: { url: string; token: string }
      }
      if (!info.redis) throw new Error('the stack runs no embedded Redis (stack.json has none)')
      redis = createUpstashRedis({ url: info.redis.url, token: info.redis.token })
    }
    return redis
  }
  const deadline = Date.now() + 400_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the stack exited early:\n${output}`)
    try {
      const response = await fetch(`${url}/api/health`)
      if (response.status === 200) return { url, log: () => output, redis: openRedis, stop }
    } catch {}
    await new Promise((r) => setTimeout(r, 500))
  }
  await stop()
  throw new Error(`the stack did not answer within 400 s:\n${output}`)
}

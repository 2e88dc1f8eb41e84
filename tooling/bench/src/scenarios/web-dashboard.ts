import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRestServer } from '@hotpath/redis-rest/node'
import { freePort } from '@hotpath/test-redis'
import { type Row, round, type Scenario } from '../scenario.ts'

// The web app's admin dashboard under `next start`, Redis through the Upstash SDK and
// @hotpath/redis-rest (the app's default path) in front of the scenario's redis-server,
// PGlite with 120k page views. Cached: `admin:dashboard:stats` hit. Uncached: `?fresh=1`,
// the aggregation on every request. Same server, same session, same run.

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'apps', 'web')

type Sample = { ttfb: number; total: number }

async function sample(url: string, cookie: string): Promise<Sample> {
  const started = performance.now()
  const response = await fetch(url, { headers: { cookie } })
  const ttfb = performance.now() - started
  await response.text()
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  return { ttfb, total: performance.now() - started }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

/** Sequential requests for `timeMs` (one client: TTFB, not throughput, is the question). */
async function run(name: string, url: string, cookie: string, timeMs: number): Promise<Row> {
  for (let i = 0; i < 3; i++) await sample(url, cookie)
  const samples: Sample[] = []
  const deadline = performance.now() + timeMs
  while (performance.now() < deadline || samples.length < 10)
    samples.push(await sample(url, cookie))
  const ttfb = samples.map((s) => s.ttfb).sort((a, b) => a - b)
  const total = samples.map((s) => s.total).sort((a, b) => a - b)
  return {
    name,
    p50Ms: round(percentile(total, 0.5)),
    p99Ms: round(percentile(total, 0.99)),
    ttfbP50Ms: round(percentile(ttfb, 0.5)),
    samples: samples.length,
  }
}

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${log()}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`next start did not answer:\n${log()}`)
}

const scenario: Scenario = {
  name: 'web-dashboard',
  description:
    'apps/web admin dashboard under next start: the page and its JSON route with the stats cached under admin:dashboard:stats (Redis via the Upstash SDK + @hotpath/redis-rest) against the same request aggregating 120k rows in PGlite every time (?fresh=1). One sequential client; p50 of the complete response and of TTFB.',
  async run({ redis, timeMs }) {
    const nextBin = createRequire(join(webDir, 'package.json')).resolve('next/dist/bin/next')
    if (!existsSync(join(webDir, '.next', 'BUILD_ID'))) {
      const build = spawnSync(process.execPath, [nextBin, 'build'], {
        cwd: webDir,
        stdio: 'inherit',
      })
      if (build.status !== 0) throw new Error('next build failed')
    }
    const token = 'bench-web-dashboard'
    const rest = await startRestServer({ redis: redis.url, token, port: 0, host: '127.0.0.1' })
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-bench-web-'))
    const base = `http://127.0.0.1:${port}`
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      UPSTASH_REDIS_REST_URL: rest.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      HOTPATH_DATA_DIR: dataDir,
      BETTER_AUTH_SECRET: 'bench-secret-bench-secret-bench-secret',
      BETTER_AUTH_URL: base,
      NEXT_TELEMETRY_DISABLED: '1',
      AUTH_RATE_LIMIT: 'off',
    }
    delete env.REDIS_URL
    delete env.DATABASE_URL
    let output = ''
    const child = spawn(
      process.execPath,
      [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
      {
        cwd: webDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    try {
      await waitFor(`${base}/api/health`, child, () => output)
      const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({
          name: 'Bench',
          email: 'bench@example.com',
          password: 'bench-password-1',
        }),
      })
      if (!signUp.ok) throw new Error(`sign-up answered ${signUp.status}: ${await signUp.text()}`)
      const cookie = signUp.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ')
      const rows = [
        await run('page cached', `${base}/admin/dashboard`, cookie, timeMs),
        await run('page uncached (?fresh=1)', `${base}/admin/dashboard?fresh=1`, cookie, timeMs),
        await run('json cached', `${base}/api/admin/dashboard-stats`, cookie, timeMs),
        await run(
          'json uncached (?fresh=1)',
          `${base}/api/admin/dashboard-stats?fresh=1`,
          cookie,
          timeMs,
        ),
      ]
      const [page, pageFresh, json, jsonFresh] = rows
      const by = (a: Row | undefined, b: Row | undefined, field: 'p50Ms' | 'ttfbP50Ms') =>
        round(Number(a?.[field]) / Number(b?.[field]))
      return {
        rows,
        ratios: {
          'page cached / uncached (complete response p50)': by(page, pageFresh, 'p50Ms'),
          'json cached / uncached (TTFB p50)': by(json, jsonFresh, 'ttfbP50Ms'),
        },
        goals: {
          'page cached / uncached (complete response p50)': '<= 0.2',
          'json cached / uncached (TTFB p50)': '<= 0.2',
        },
        notes: [
          'The page streams its static shell before the data (Cache Components), so its TTFB is the same either way; the complete response is what the cache shortens. The JSON route answers only after the data, so its TTFB is the direct measure.',
        ],
      }
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 500))
      if (child.exitCode === null) child.kill('SIGKILL')
      await rest.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  },
}

export default scenario

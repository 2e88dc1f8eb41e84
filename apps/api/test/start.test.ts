import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const apiDir = join(import.meta.dirname, '..')
const tsx = createRequire(join(apiDir, 'package.json')).resolve('tsx/cli')

type Run = { child: ChildProcess; output: () => string; exited: Promise<number | null> }

/** `pnpm --filter api start` as a newcomer runs it: embedded Redis and PGlite, nothing set. */
function start(env: NodeJS.ProcessEnv): Run {
  const clean = { ...process.env }
  for (const name of [
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'KV_REST_API_URL',
    'KV_REST_API_TOKEN',
    'REDIS_URL',
    'DATABASE_URL',
    'HOTPATH_REST_PORT',
  ])
    delete clean[name]
  const child = spawn(process.execPath, [tsx, 'src/main.ts'], {
    cwd: apiDir,
    env: { ...clean, API_PGLITE_DIR: 'memory://', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, output: () => output, exited }
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

describe('the api app started on its own', () => {
  // Something that is not our REST server holds a port (8079, the old default, if it is free).
  const squatter = createServer((socket) => socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n'))
  let taken: number
  beforeAll(async () => {
    taken = await listen(squatter, 8079).catch(() => listen(squatter, 0))
  })
  afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())))

  it('starts beside a process holding port 8079, says ready last, and exits 0 on Ctrl-C', async () => {
    const probe = createServer()
    const apiPort = String(await listen(probe, 0))
    await new Promise((resolve) => probe.close(resolve))
    const run = start({ PORT: apiPort })
    try {
      await until(() => run.output().includes('ready:'), 60_000)
      const lines = run.output().trim().split('\n')
      expect(lines.at(-1)).toMatch(/^ready: http:\/\/127\.0\.0\.1:\d+/)
      expect(run.output()).not.toContain(`:${taken} `)
      const port = /ready: http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output())?.[1]
      const health = await fetch(`http://127.0.0.1:${port}/health`)
      expect(health.status).toBe(200)
      run.child.kill('SIGINT')
      expect(await run.exited).toBe(0)
    } finally {
      run.child.kill('SIGKILL')
    }
  }, 90_000)

  it('refuses a HOTPATH_REST_PORT that another process holds with one line saying what to set', async () => {
    const run = start({ PORT: '0', HOTPATH_REST_PORT: String(taken) })
    expect(await run.exited).toBe(1)
    expect(run.output()).toContain(`HOTPATH_REST_PORT=${taken} is in use`)
    expect(run.output()).toContain('UPSTASH_REDIS_REST_URL')
    expect(run.output()).not.toMatch(/\n\s+at /) // no stack trace
  })
})

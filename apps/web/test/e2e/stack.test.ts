import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { assertChromium, CHROMIUM, freePort, resultsDir, webDir } from './stack-fixture'

const repoDir = join(webDir, '..', '..')

type Run = {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
  /** Resolves with the seconds from spawn to the "ready" line. */
  ready: Promise<number>
}

/** The root `pnpm start`, as a newcomer types it, in a process group of its own (for Ctrl-C). */
function pnpmStart(env: NodeJS.ProcessEnv): Run {
  const started = Date.now()
  const child = spawn('pnpm', ['start'], {
    cwd: repoDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let onReady: (s: number) => void = () => {}
  let onFail: (e: Error) => void = () => {}
  const ready = new Promise<number>((resolve, reject) => {
    onReady = resolve
    onFail = reject
  })
  const read = (c: Buffer) => {
    output += c.toString()
    if (/\[stack\] ready in /.test(output)) onReady((Date.now() - started) / 1000)
  }
  child.stdout?.on('data', read)
  child.stderr?.on('data', read)
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      onFail(new Error(`pnpm start exited (${code}) before ready:\n${output}`))
      resolve(code)
    }),
  )
  return { child, output: () => output, exited, ready }
}

/** RSS in MiB of every process of the run's group, by command (measured, not asserted). */
function rssOf(run: Run): Record<string, number> {
  const out = execFileSync('ps', ['-o', 'rss=,args=', '-g', String(run.child.pid)], {
    encoding: 'utf8',
  })
  const result: Record<string, number> = {}
  for (const line of out.trim().split('\n')) {
    const [, kb, args] = /^\s*(\d+)\s+(.*)$/.exec(line) ?? []
    if (!kb || !args) continue
    const wrapper = args.includes('tsx/dist/cli.mjs')
    const name = args.includes('next-server')
      ? 'next-server'
      : args.includes('scripts/stack.ts')
        ? wrapper
          ? 'tsx wrapper (stack)'
          : 'stack (PGlite server, REST Redis)'
        : args.includes('src/main.ts')
          ? wrapper
            ? 'tsx wrapper (api)'
            : 'api'
          : args.split(' ').slice(0, 3).join(' ')
    result[name] = (result[name] ?? 0) + Math.round(Number(kb) / 1024)
  }
  return result
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
async function ctrlC(run: Run): Promise<number | null> {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (run.child.pid) process.kill(-run.child.pid, name)
    } catch {} // the group is gone already
  }
  if (run.child.exitCode === null) signal('SIGINT')
  const timer = setTimeout(() => signal('SIGKILL'), 20_000)
  const code = await run.exited
  clearTimeout(timer)
  return code
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

describe('the root `pnpm start`: one stack, one database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-stack-e2e-'))
  // Another process on 8079 (the api's old fixed REST port): the stack must not care.
  const squatter = createServer((socket) => socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n'))
  let env: NodeJS.ProcessEnv
  let web: string
  let api: string
  let browser: Browser
  const timings: Record<string, number> = {}
  const rss: Record<string, Record<string, number>> = {}
  const logs: string[] = []

  beforeAll(async () => {
    assertChromium()
    await listen(squatter, 8079).catch(() => listen(squatter, 0))
    const port = await freePort()
    let apiPort = await freePort()
    while (apiPort === port + 1) apiPort = await freePort()
    env = { ...process.env, PORT: String(port), HOTPATH_DATA_DIR: dataDir }
    for (const name of [
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'KV_REST_API_URL',
      'KV_REST_API_TOKEN',
      'REDIS_URL',
      'DATABASE_URL',
      'HOTPATH_KEY_PREFIX',
      'HOTPATH_REST_PORT',
    ])
      delete env[name]
    env.API_PORT = String(apiPort)
    env.HOTPATH_SEED_PAGE_VIEWS = '20000'
    env.HOTPATH_BUILD ??= 'app'
    web = `http://127.0.0.1:${port}`
    api = `http://127.0.0.1:${apiPort}`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    })
  })

  afterAll(async () => {
    writeFileSync(join(resultsDir, 'pnpm-start.log'), logs.join('\n\n---- restart ----\n\n'))
    writeFileSync(
      join(resultsDir, 'pnpm-start-timings.json'),
      JSON.stringify({ timings, rssMiB: rss }, null, 2),
    )
    await browser?.close()
    await new Promise<void>((resolve) => squatter.close(() => resolve()))
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('serves both apps on one database; Ctrl-C exits 0; a warm restart keeps the data', async () => {
    const first = pnpmStart(env)
    try {
      timings.firstStartSeconds = await first.ready
      const lines = first.output().trim().split('\n')
      // The last line is the ready line, with both URLs; one prefix per process.
      expect(lines.at(-1)).toMatch(
        new RegExp(`^\\[stack\\] ready in [\\d.]+ s: web ${web}\\s+api ${api}$`),
      )
      expect(first.output()).not.toMatch(/\[(web|api)\] \[(web|api)\]/)
      expect(first.output()).not.toContain('ERR_PNPM')
      expect((await fetch(`${web}/`)).status).toBe(200)
      expect((await fetch(`${api}/health`)).status).toBe(200)
      rss.afterFirstPage = rssOf(first)

      // An account made on the web, an API key minted there: the api knows both at once.
      const page = await browser.newPage()
      await page.goto(`${web}/sign-up`)
      await page.fill('input[name=name]', 'Lin')
      await page.fill('input[name=email]', 'lin@example.com')
      await page.fill('input[name=password]', 'a long enough password')
      await Promise.all([page.waitForURL('**/account'), page.click('main button[type=submit]')])
      await Promise.all([page.waitForURL('**/account?**'), page.click('text=Regenerate API key')])
      const key = (await page.textContent('[data-testid=api-key]')) ?? ''
      expect(key).toMatch(/^hp_/)
      const me = await fetch(`${api}/me`, { headers: { 'x-api-key': key } })
      expect(me.status).toBe(200)
      expect(JSON.stringify(await me.json())).toContain('lin@example.com')
      // The web session works on the api too, and the api writes into the same rows.
      const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
      const minted = await fetch(`${api}/api-keys`, { method: 'POST', headers: { cookie } })
      expect(minted.status).toBe(201)

      // A product edited on the web reads edited from the api, through its cache.
      const before = await fetch(`${api}/products/p-grinder`)
      expect(before.status).toBe(200)
      const again = await fetch(`${api}/products/p-grinder`)
      expect(again.headers.get('x-cache')).toBe('HIT')
      const name = `Grinder ${Date.now()}`
      await page.goto(`${web}/products/p-grinder/edit`)
      await page.fill('input[name=name]', name)
      await Promise.all([page.waitForURL('**/products?**'), page.click('main button[type=submit]')])
      const after = await fetch(`${api}/products/p-grinder`)
      expect(((await after.json()) as { name: string }).name).toBe(name)
      await page.close()

      expect(await ctrlC(first)).toBe(0)
      expect(first.output()).not.toContain('ERR_PNPM')
      expect(first.output()).not.toContain('ELIFECYCLE')
    } finally {
      logs.push(first.output())
      await ctrlC(first)
    }

    // Second start on the same data directory: the account and the edit are still there.
    const second = pnpmStart(env)
    try {
      timings.warmRestartSeconds = await second.ready
      const signIn = await fetch(`${web}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: web },
        body: JSON.stringify({ email: 'lin@example.com', password: 'a long enough password' }),
      })
      expect(signIn.status).toBe(200)
      rss.warmRestartAfterFirstPage = rssOf(second)
      const product = await fetch(`${api}/products/p-grinder`)
      expect(((await product.json()) as { name: string }).name).toMatch(/^Grinder \d+$/)
      expect(await ctrlC(second)).toBe(0)
    } finally {
      logs.push(second.output())
      await ctrlC(second)
    }
  }, 900_000)
})

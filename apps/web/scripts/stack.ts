/**
 * One command for the whole reference stack on embedded defaults:
 *   Redis → a local @hotpath/redis-rest with the in-memory backend (unless UPSTASH_REDIS_REST_* or REDIS_URL)
 *   Postgres → PGlite under apps/web/.data, served over the Postgres protocol so both apps
 *              share it through postgres.js (unless DATABASE_URL)
 *   apps/web → `next build` when the sources changed, then `next start` (`--dev`: `next dev`)
 *   apps/api → `tsx src/main.ts` in apps/api, when it exists
 * The last line says "ready" with the URLs once both answer their health checks.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDatabaseServer } from '@apps/db/server'
import { startRestServer } from '@hotpath/redis-rest/node'
import { dataDir, describeDatabase, describeRedis } from '../src/lib/config'
import { buildCacheHandlers } from './build-cache-handlers'

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const repoDir = join(webDir, '..', '..')
const dev = process.argv.includes('--dev')
const withApi = !process.argv.includes('--no-api')
const port = Number(process.env.PORT ?? 3000)
const apiPort = Number(process.env.API_PORT ?? port + 1)
const host = process.env.HOST ?? '127.0.0.1'
const nextBin = createRequire(join(webDir, 'package.json')).resolve('next/dist/bin/next')

const children = new Set<ChildProcess>()
const closers: (() => Promise<void>)[] = []

/** A path relative to where the command was run, unless that climbs out of it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') ? rel : path
}

function log(line: string) {
  process.stdout.write(`[stack] ${line}\n`)
}

/** The secret must outlive restarts, or every restart signs everyone out. */
function authSecret(): string {
  if (process.env.BETTER_AUTH_SECRET) return process.env.BETTER_AUTH_SECRET
  const file = join(dataDir(), 'auth-secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir(), { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return secret
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

/**
 * A build is current when it is newer than the app's sources and, unless HOTPATH_BUILD=app,
 * than the workspace packages it bundles. HOTPATH_BUILD=always|never overrides the check.
 */
function buildIsCurrent(): boolean {
  const mode = process.env.HOTPATH_BUILD ?? 'auto'
  const buildId = join(webDir, '.next', 'BUILD_ID')
  if (mode === 'always') return false
  if (!existsSync(buildId)) return false
  if (mode === 'never') return true
  const built = statSync(buildId).mtimeMs
  const inputs = ['src', 'public', 'next.config.ts', 'package.json'].map((p) => join(webDir, p))
  inputs.push(
    join(webDir, 'cache-handlers', 'use-cache.ts'),
    join(webDir, 'cache-handlers', 'incremental.ts'),
  )
  if (mode !== 'app') {
    for (const pkg of readdirSync(join(repoDir, 'packages')))
      inputs.push(join(repoDir, 'packages', pkg, 'src'))
  }
  return inputs.every((p) => newestMtime(p) <= built)
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const prefix = (chunk: Buffer, stream: NodeJS.WriteStream) => {
    for (const line of chunk.toString().split('\n')) if (line) stream.write(`[${name}] ${line}\n`)
  }
  child.stdout?.on('data', (c: Buffer) => prefix(c, process.stdout))
  child.stderr?.on('data', (c: Buffer) => prefix(c, process.stderr))
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolve(code ?? (signal ? 1 : 0))
    })
  })
  return { child, exited }
}

let stopping = false

async function shutdown(code: number): Promise<void> {
  // A child that exits because we (or the terminal's Ctrl-C) stopped it must not turn a
  // clean stop into a failure.
  if (stopping) return
  stopping = true
  for (const child of children) child.kill('SIGTERM')
  const deadline = Date.now() + 5000
  while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  for (const child of children) child.kill('SIGKILL')
  for (const close of closers.reverse()) await close().catch(() => {})
  process.exit(code)
}

async function main() {
  // `on`, not `once`: Ctrl-C reaches us from the terminal and again from pnpm, which forwards
  // it; a second SIGINT must not kill the process mid-shutdown.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0))
  const env: NodeJS.ProcessEnv = { ...process.env }
  let redisLine: string
  /** The embedded Redis's address, so local tools (and the e2e tests) can look into it. */
  let embeddedRedis: { url: string; token: string } | undefined
  const configured = describeRedis(env)
  if (configured.kind === 'none') {
    const token = randomBytes(24).toString('base64url')
    const server = await startRestServer({ redis: 'memory://', token, port: 0, host: '127.0.0.1' })
    closers.push(() => server.close())
    env.UPSTASH_REDIS_REST_URL = server.url
    env.UPSTASH_REDIS_REST_TOKEN = token
    embeddedRedis = { url: server.url, token }
    redisLine = `@hotpath/redis-rest at ${server.url} (in-memory backend), through the Upstash SDK`
  } else if (configured.kind === 'upstash') {
    redisLine = `Upstash REST at ${configured.location} (UPSTASH_REDIS_REST_URL)`
  } else {
    redisLine = `Redis over TCP at ${configured.location} (REDIS_URL)`
  }
  const db = describeDatabase(env)
  let dbLine = `Postgres at ${db.location} (DATABASE_URL, postgres.js)`
  if (db.kind === 'pglite') {
    const started = performance.now()
    const server = await startDatabaseServer({ dataDir: db.location })
    closers.push(() => server.close())
    env.DATABASE_URL = server.url
    env.HOTPATH_DATABASE_SERVER = 'pglite'
    const ms = Math.round(performance.now() - started)
    dbLine = `PGlite at ${display(db.location)}, served on ${new URL(server.url).host} to both apps (${ms} ms)`
  }
  env.BETTER_AUTH_SECRET = authSecret()
  env.BETTER_AUTH_URL ??= `http://${host}:${port}`
  env.HOTPATH_DATA_DIR = dataDir()
  env.NEXT_TELEMETRY_DISABLED = '1'
  env.HOTPATH_WARM_TOKEN ??= randomBytes(24).toString('base64url')

  log(`database: ${dbLine}`)
  log(`redis:    ${redisLine}`)

  try {
    await buildCacheHandlers()
  } catch (error) {
    // A workspace package that does not bundle right now should not stop a stack that
    // already has handler bundles from an earlier run.
    if (!existsSync(join(webDir, 'cache-handlers', 'dist', 'use-cache.mjs'))) throw error
    log(
      `could not re-bundle the cache handlers, using the previous bundles: ${String(error).split('\n')[0]}`,
    )
  }
  if (!dev && !buildIsCurrent()) {
    log('building the web app (next build), sources changed since the last build…')
    const build = run('build', process.execPath, [nextBin, 'build'], env, webDir)
    const code = await build.exited
    if (code !== 0) {
      log(`next build failed with exit code ${code}`)
      return shutdown(code)
    }
  }

  const web = run(
    'web',
    process.execPath,
    [nextBin, dev ? 'dev' : 'start', '--port', String(port), '--hostname', host],
    { ...env, PORT: String(port) },
    webDir,
  )
  web.exited.then((code) => {
    if (stopping) return
    log(`web exited with code ${code}`)
    void shutdown(code || 1)
  })

  const apiDir = join(repoDir, 'apps', 'api')
  const urls = [`web http://${host}:${port}${dev ? ' (next dev)' : ''}`]
  const probes = [`http://${host}:${port}/api/health`, `http://${host}:${port}/`]
  if (withApi && existsSync(join(apiDir, 'src', 'main.ts'))) {
    // node with tsx's loader, not `pnpm --filter api start`: pnpm would add its own banner,
    // its own failure line on Ctrl-C, and two more processes (~140 MiB) that do nothing.
    const tsx = createRequire(join(apiDir, 'package.json')).resolve('tsx/cli')
    const api = run(
      'api',
      process.execPath,
      dev ? [tsx, 'watch', 'src/main.ts'] : ['--import', 'tsx', 'src/main.ts'],
      { ...env, PORT: String(apiPort), API_PORT: String(apiPort) },
      apiDir,
    )
    api.exited.then((code) => {
      if (!stopping) log(`api exited with code ${code}`)
    })
    urls.push(`api http://${host}:${apiPort}`)
    probes.push(`http://${host}:${apiPort}/health`)
  }
  // Lets `pnpm --filter web warm` reach this stack (its in-memory Redis, its PGlite); the file
  // is the owner's alone (0600): it holds the warm token and the embedded Redis's token.
  const stackFile = join(dataDir(), 'stack.json')
  mkdirSync(dataDir(), { recursive: true })
  writeFileSync(
    stackFile,
    JSON.stringify({
      pid: process.pid,
      webUrl: `http://${host}:${port}`,
      warmToken: env.HOTPATH_WARM_TOKEN,
      ...(embeddedRedis ? { redis: embeddedRedis } : {}),
    }),
    { mode: 0o600 },
  )
  closers.push(async () => rmSync(stackFile, { force: true }))

  await Promise.all(probes.map(waitFor))
  if (!stopping)
    log(`ready in ${((performance.now() - bootStarted) / 1000).toFixed(1)} s: ${urls.join('  ')}`)
}

/** Resolves once the URL answers 200 (the first page is then served, not just listened for). */
async function waitFor(url: string): Promise<void> {
  while (!stopping) {
    try {
      const response = await fetch(url)
      await response.body?.cancel()
      if (response.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
}

const bootStarted = performance.now()

main().catch((error: unknown) => {
  console.error(error)
  void shutdown(1)
})

import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const INSTALL_HINT =
  'redis-server was not found on PATH. Install it with `sudo apt-get install -y redis-server` ' +
  '(Debian/Ubuntu) or `brew install redis` (macOS), then run the tests again.'

/** Where every started server records its pid, per owning test process, so a later run can reap leftovers. */
const REGISTRY_DIR = join(tmpdir(), 'hotpath-test-redis')

export type RedisServer = {
  host: string
  port: number
  url: string
  pid: number
  /** Stops the process (SIGTERM, then SIGKILL) and removes its data directory. */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export type RedisCluster = {
  nodes: { host: string; port: number }[]
  servers: RedisServer[]
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export function findBinary(name: 'redis-server' | 'redis-cli'): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error(
      name === 'redis-server'
        ? INSTALL_HINT
        : INSTALL_HINT.replace('redis-server was', 'redis-cli was'),
    )
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Kills servers left behind by test processes that died without cleaning up (SIGKILL, crash). */
export function reapOrphans(): number {
  let reaped = 0
  mkdirSync(REGISTRY_DIR, { recursive: true })
  for (const owner of readdirSync(REGISTRY_DIR)) {
    const ownerPid = Number(owner)
    if (!Number.isInteger(ownerPid) || isAlive(ownerPid)) continue
    const dir = join(REGISTRY_DIR, owner)
    for (const file of readdirSync(dir)) {
      const pid = Number(readFileSync(join(dir, file), 'utf8'))
      if (pid > 0 && isAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL')
          reaped++
        } catch {}
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
  return reaped
}

const live = new Set<ChildProcess>()
let hooksInstalled = false

function installExitHooks() {
  if (hooksInstalled) return
  hooksInstalled = true
  const killAll = () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL')
      } catch {}
    }
    live.clear()
    rmSync(join(REGISTRY_DIR, String(process.pid)), { recursive: true, force: true })
  }
  process.once('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll()
      process.exit(130)
    })
  }
}

/** A loopback port that is free now; the caller binds it right away. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const reply = await rawCommand(port, ['PING'])
      if (reply.startsWith('+PONG')) return
    } catch (error) {
      lastError = error
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`, {
    cause: lastError,
  })
}

/** One RESP command over a fresh socket; enough for readiness checks without a client library. */
export function rawCommand(port: number, args: string[], host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port })
    let data = ''
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')))
    socket.on('error', reject)
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8')
      if (data.endsWith('\r\n')) {
        socket.end()
        resolve(data)
      }
    })
    socket.write(
      `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    )
  })
}

export type StartOptions = {
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[]
  port?: number
}

/** Starts one real redis-server on a free loopback port, without persistence. */
export async function startRedis(options: StartOptions = {}): Promise<RedisServer> {
  const binary = findBinary('redis-server')
  installExitHooks()
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'hotpath-redis-'))
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (c) => {
    stderr += c
  })
  const pid = child.pid
  if (!pid) throw new Error('redis-server failed to start')
  live.add(child)
  const ownerDir = join(REGISTRY_DIR, String(process.pid))
  mkdirSync(ownerDir, { recursive: true })
  writeFileSync(join(ownerDir, String(pid)), String(pid))

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await Promise.race([
      waitForPing(port, 10_000),
      exited.then(() => {
        throw new Error(`redis-server exited during start-up: ${stderr.trim()}`)
      }),
    ])
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }

  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
        await exited
        clearTimeout(timer)
      }
      live.delete(child)
      rmSync(join(ownerDir, String(pid)), { force: true })
      rmSync(dir, { recursive: true, force: true })
    })()
    return stopped
  }
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    pid,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

/** Starts `masters` cluster-enabled servers and joins them with `redis-cli --cluster create`. */
export async function startCluster(masters = 3): Promise<RedisCluster> {
  const cli = findBinary('redis-cli')
  const servers: RedisServer[] = []
  try {
    for (let i = 0; i < masters; i++) {
      // cluster-port is set explicitly: the default (port + 10000) may be taken or out of range.
      const busPort = await freePort()
      servers.push(
        await startRedis({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(busPort),
            '--cluster-config-file',
            `nodes-${i}.conf`,
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      )
    }
    execFileSync(
      cli,
      [
        '--cluster',
        'create',
        ...servers.map((s) => `127.0.0.1:${s.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { stdio: 'pipe', timeout: 30_000 },
    )
    const deadline = Date.now() + 20_000
    for (const server of servers) {
      for (;;) {
        const info = await rawCommand(server.port, ['CLUSTER', 'INFO'])
        if (info.includes('cluster_state:ok')) break
        if (Date.now() > deadline)
          throw new Error('cluster did not reach cluster_state:ok within 20 s')
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()))
    throw error
  }
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()))
  }
  return {
    nodes: servers.map((s) => ({ host: s.host, port: s.port })),
    servers,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

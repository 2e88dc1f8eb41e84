/**
 * `pnpm --filter web warm [--force]`: fills the cache ahead of traffic, with progress.
 * With the stack running it asks the server to warm (an embedded PGlite belongs to one
 * process, and an in-memory Redis lives in the stack); otherwise it warms in-process from
 * DATABASE_URL / PGlite and the Redis in the environment.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataDir } from '../src/lib/config'

type Line =
  | { type: 'progress'; done: number; total: number; key: string; ok: boolean }
  | {
      type: 'done'
      total: number
      loaded: number
      fresh: number
      failed: { key: string; error: string }[]
    }
  | { type: 'error'; error: string }

type StackInfo = { pid: number; webUrl: string; warmToken: string }

const force = process.argv.includes('--force')

function bar(done: number, total: number): string {
  const width = 24
  const filled = Math.round((done / Math.max(1, total)) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}`
}

function report(line: Line): boolean {
  if (line.type === 'progress') {
    process.stdout.write(`${bar(line.done, line.total)} ${line.ok ? 'ok  ' : 'FAIL'} ${line.key}\n`)
    return true
  }
  if (line.type === 'done') {
    process.stdout.write(
      `warmed ${line.total} entries: ${line.loaded} loaded, ${line.fresh} already fresh, ${line.failed.length} failed\n`,
    )
    for (const f of line.failed) process.stdout.write(`  ${f.key}: ${f.error}\n`)
    return line.failed.length === 0
  }
  process.stderr.write(`warming failed: ${line.error}\n`)
  return false
}

function runningStack(): StackInfo | null {
  const file = join(dataDir(), 'stack.json')
  if (!existsSync(file)) return null
  const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo
  try {
    process.kill(info.pid, 0)
    return info
  } catch {
    return null
  }
}

async function throughServer(stack: StackInfo): Promise<boolean> {
  process.stdout.write(`warming through the running app at ${stack.webUrl}\n`)
  const response = await fetch(`${stack.webUrl}/api/admin/warm${force ? '?force=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.warmToken}` },
  })
  if (!response.ok || !response.body) {
    process.stderr.write(`the app answered ${response.status}\n`)
    return false
  }
  let ok = true
  let buffered = ''
  const decoder = new TextDecoder()
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffered += decoder.decode(value, { stream: true })
    let newline = buffered.indexOf('\n')
    while (newline >= 0) {
      const text = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (text) ok = report(JSON.parse(text) as Line) && ok
      newline = buffered.indexOf('\n')
    }
  }
  return ok
}

async function inProcess(): Promise<boolean> {
  const { describeDatabase, describeRedis } = await import('../src/lib/config')
  const redis = describeRedis()
  if (redis.kind === 'none') {
    process.stderr.write(
      'No Redis to warm: start the stack (pnpm start) or set UPSTASH_REDIS_REST_URL/TOKEN or REDIS_URL.\n',
    )
    return false
  }
  const db = describeDatabase()
  process.stdout.write(
    `warming ${redis.kind} Redis at ${redis.location} from ${db.kind} at ${db.location}\n`,
  )
  const { warmCache } = await import('../src/lib/warm')
  const { closeDb } = await import('../src/lib/db/client')
  const result = await warmCache({
    force,
    onProgress: (p) => report({ type: 'progress', ...p }),
  })
  const ok = report({
    type: 'done',
    total: result.total,
    loaded: result.loaded,
    fresh: result.fresh,
    failed: result.failed.map((f) => ({ key: f.key, error: String(f.error) })),
  })
  await closeDb()
  return ok
}

const stack = runningStack()
const ok = await (stack ? throughServer(stack) : inProcess())
process.exit(ok ? 0 : 1)

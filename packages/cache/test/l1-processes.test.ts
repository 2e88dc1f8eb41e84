import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { redisTargets } from '@hotpath/test-redis'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, test } from 'vitest'
import { eventually, redisFixture, runId } from './fixtures'

const fixture = redisFixture()
const PEER = fileURLToPath(new URL('./support/l1-peer.ts', import.meta.url))
const peers: ChildProcessWithoutNullStreams[] = []
afterAll(() => {
  for (const peer of peers) peer.kill()
})

type Peer = { send(command: object): Promise<Record<string, unknown>> }

/** A cache with L1 in a node process of its own, driven over stdin/stdout. */
async function startPeer(setup: object): Promise<Peer> {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER, JSON.stringify(setup)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'pipe',
  })
  peers.push(child)
  let buffered = ''
  const waiting: ((line: string) => void)[] = []
  const lines: string[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      const line = buffered.slice(0, at)
      buffered = buffered.slice(at + 1)
      const next = waiting.shift()
      if (next) next(line)
      else lines.push(line)
    }
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const nextLine = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = () => reject(new Error(`peer exited: ${stderr}`))
      child.once('exit', onExit)
      const take = (line: string) => {
        child.off('exit', onExit)
        resolve(JSON.parse(line) as Record<string, unknown>)
      }
      const line = lines.shift()
      if (line !== undefined) take(line)
      else waiting.push(take)
    })
  const ready = await nextLine()
  expect(ready).toMatchObject({ ready: true, l1: { serving: true } })
  return {
    send(command) {
      child.stdin.write(`${JSON.stringify(command)}\n`)
      return nextLine()
    },
  }
}

const SETUPS = {
  standalone: () => ({ kind: 'standalone', url: redisTargets().standalone.url }),
  cluster: () => ({ kind: 'cluster', nodes: redisTargets().cluster }),
  rest: async () => ({
    kind: 'rest',
    url: (await fixture.restServer()).url,
    token: 'cache-test-token',
  }),
} as const

describe.each(Object.keys(SETUPS) as (keyof typeof SETUPS)[])(
  'L1 across processes on %s',
  (target) => {
    test('a write in one process evicts the other process’s L1 copy', async () => {
      const prefix = `${runId()}:`
      const setup = { ...(await SETUPS[target]()), prefix }
      const [a, b] = await Promise.all([startPeer(setup), startPeer(setup)])
      if (!a || !b) throw new Error('no peers')
      const key = `${prefix}k`
      expect(await a.send({ op: 'set', key, value: 'v1' })).toMatchObject({ ok: true })
      expect(await b.send({ op: 'get', key })).toMatchObject({ value: 'v1' })
      // B now answers from its L1: no round trip
      expect(await b.send({ op: 'get', key })).toEqual({ value: 'v1', roundTrips: 0 })
      expect(await a.send({ op: 'set', key, value: 'v2' })).toMatchObject({ ok: true })
      // B never needed a write of its own to see A's: the eviction reached its process
      await eventually(async () => (await b.send({ op: 'get', key })).value === 'v2', 5000)
      const { l1 } = await b.send({ op: 'stats' })
      expect((l1 as { evictions: number }).evictions).toBeGreaterThanOrEqual(1)
    }, 60_000)
  },
)

test('a write by a raw ioredis connection evicts the L1 of a cache in another process', async () => {
  const prefix = `${runId()}:`
  const { url } = redisTargets().standalone
  const peer = await startPeer({ kind: 'standalone', url, prefix })
  const key = `${prefix}raw`
  expect(await peer.send({ op: 'set', key, value: 'v1' })).toMatchObject({ ok: true })
  expect(await peer.send({ op: 'get', key })).toMatchObject({ value: 'v1' })
  expect(await peer.send({ op: 'get', key })).toEqual({ value: 'v1', roundTrips: 0 })
  const raw = new Redis(url)
  try {
    await raw.del(key)
  } finally {
    raw.disconnect()
  }
  await eventually(async () => (await peer.send({ op: 'get', key })).value === undefined, 5000)
}, 60_000)

import { startCluster, startRedis } from '@hotpath/test-redis'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryRedis } from '../src/drivers/memory'
import { createTcpRedis } from '../src/drivers/tcp'
import { createRedis } from '../src/env'
import type { RedisError } from '../src/errors'
import type { TrackingEvent } from '../src/types'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
})

async function waitFor(predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate() && Date.now() < deadline) await sleep(10)
  expect(predicate()).toBe(true)
}

function recorder() {
  const events: TrackingEvent[] = []
  return {
    events,
    listener: (event: TrackingEvent) => events.push(event),
    keys: () => events.flatMap((e) => (e.type === 'invalidate' ? [...e.keys] : [])),
    types: () => events.map((e) => e.type),
  }
}

describe('track() over tcp', () => {
  it('reports a write by any other connection (here a raw ioredis client), on standalone and through createRedis()', async () => {
    const server = await startRedis()
    cleanups.push(() => server.stop())
    const raw = new Redis(server.url)
    cleanups.push(async () => raw.disconnect())
    for (const client of [
      createTcpRedis({ url: server.url }),
      createRedis({ env: { REDIS_URL: server.url } }),
    ]) {
      if (!client?.track) throw new Error('expected a tracking client')
      cleanups.push(() => client.close())
      const seen = recorder()
      const stop = await client.track(['app:'], seen.listener)
      await raw.set('app:x', '1')
      await raw.set('elsewhere', '1')
      await waitFor(() => seen.keys().length >= 1)
      await sleep(50)
      expect(seen.keys()).toEqual(['app:x'])
      await stop()
    }
  })

  it('reports FLUSHALL as a flush of everything', async () => {
    const server = await startRedis()
    cleanups.push(() => server.stop())
    const client = createTcpRedis({ url: server.url })
    cleanups.push(() => client.close())
    const seen = recorder()
    await client.track(['app:'], seen.listener)
    await client.call(['FLUSHALL'])
    await waitFor(() => seen.types().includes('flush'))
  })

  it('is down while its connection is killed or Redis restarts, and up again with tracking on', async () => {
    let server = await startRedis()
    const port = server.port
    cleanups.push(() => server.stop())
    const client = createTcpRedis({ url: server.url })
    cleanups.push(() => client.close())
    const seen = recorder()
    await client.track(['app:'], seen.listener)

    // CLIENT KILL of the tracking connection (the one subscribed to the invalidation channel).
    const list = String(await client.call(['CLIENT', 'LIST']))
    const line = list.split('\n').find((l) => l.includes('cmd=subscribe'))
    const id = /id=(\d+)/.exec(line ?? '')?.[1]
    expect(id).toBeDefined()
    await client.call(['CLIENT', 'KILL', 'ID', String(id)])
    await waitFor(() => seen.types().includes('up'))
    expect(seen.types()).toEqual(['down', 'up'])
    await client.set('app:after-kill', '1')
    await waitFor(() => seen.keys().includes('app:after-kill'))

    process.kill(server.pid, 'SIGKILL')
    await server.stop()
    await waitFor(() => seen.types().filter((t) => t === 'down').length === 2)
    server = await startRedis({ port })
    await waitFor(() => seen.types().filter((t) => t === 'up').length === 2)
    const raw = new Redis(server.url)
    cleanups.push(async () => raw.disconnect())
    await raw.set('app:after-restart', '1')
    await waitFor(() => seen.keys().includes('app:after-restart'))
  })

  it('rejects with E_UNSUPPORTED where the server refuses CLIENT TRACKING (an ACL user without it)', async () => {
    const server = await startRedis()
    cleanups.push(() => server.stop())
    const admin = new Redis(server.url)
    cleanups.push(async () => admin.disconnect())
    await admin.call('ACL', 'SETUSER', 'notrack', 'on', '>pw', '~*', '&*', '+@all', '-client')
    const client = createTcpRedis({ url: `redis://notrack:pw@${server.host}:${server.port}` })
    cleanups.push(() => client.close())
    expect(await client.ping()).toBe('PONG')
    const error = (await client.track?.(['app:'], () => {}).catch((e: unknown) => e)) as RedisError
    expect(error.code).toBe('E_UNSUPPORTED')
    expect(error.message).toContain('CLIENT TRACKING')
  })

  it('on a private 3-master cluster, reports writes to every master and is down while one is', async () => {
    const cluster = await startCluster()
    cleanups.push(() => cluster.stop())
    const client = createTcpRedis({ nodes: cluster.nodes })
    cleanups.push(() => client.close())
    const seen = recorder()
    await client.track(['app:'], seen.listener)
    // Keys spread over the 16384 slots land on all three masters.
    const keys = Array.from({ length: 30 }, (_, i) => `app:${i}`)
    for (const key of keys) await client.set(key, '1')
    await waitFor(() => seen.keys().length >= keys.length)
    expect([...seen.keys()].sort()).toEqual([...keys].sort())
    const master = cluster.servers[0]
    if (!master) throw new Error('no master')
    process.kill(master.pid, 'SIGKILL')
    await waitFor(() => seen.types().includes('down'))
  }, 60_000)
})

describe('track() on the memory driver', () => {
  it('reports writes by every client sharing the keyspace, not by other keyspaces', async () => {
    const namespace = `track-${Math.random().toString(36).slice(2)}`
    const a = createMemoryRedis({ namespace })
    const b = createMemoryRedis({ namespace })
    const other = createMemoryRedis()
    cleanups.push(
      () => a.close(),
      () => b.close(),
      () => other.close(),
    )
    const seen = recorder()
    const stop = await a.track(['app:'], seen.listener)
    await b.set('app:x', '1')
    await b.mset({ 'app:y': '1', 'zzz:y': '1' })
    await other.set('app:z', '1')
    await b.call(['FLUSHALL'])
    expect(seen.keys()).toEqual(['app:x', 'app:y'])
    expect(seen.types()).toEqual(['invalidate', 'invalidate', 'flush'])
    await stop()
    await b.set('app:x', '2')
    expect(seen.events).toHaveLength(3)
  })
})

/**
 * One cache instance in a process of its own, for l1-processes.test.ts: reads commands as
 * JSON lines on stdin (`get`, `set`, `stats`) and answers each with one JSON line on stdout.
 */
import { createInterface } from 'node:readline'
import type { ManagedRedisClient, RedisClient } from '@hotpath/redis'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { createUpstashRedis } from '@hotpath/redis/upstash'
import { createCache } from '../../src/index'

type Setup =
  | { kind: 'standalone'; url: string; prefix: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; prefix: string }
  | { kind: 'rest'; url: string; token: string; prefix: string }

const setup = JSON.parse(process.argv[2] ?? '{}') as Setup
const redis: RedisClient =
  setup.kind === 'standalone'
    ? createTcpRedis({ url: setup.url, timeoutMs: 5000 })
    : setup.kind === 'cluster'
      ? createTcpRedis({ nodes: setup.nodes, timeoutMs: 5000 })
      : createUpstashRedis({ url: setup.url, token: setup.token, timeoutMs: 5000 })
const cache = createCache({ redis, prefix: setup.prefix, l1: { prefixes: [setup.prefix] } })
await cache.l1Ready()

const commands = () => (redis as ManagedRedisClient).stats().commands
const reply = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)
reply({ ready: true, l1: cache.l1Stats() })

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { op: 'get' | 'set' | 'stats'; key?: string; value?: unknown }
  const before = commands()
  if (command.op === 'get') {
    const value = await cache.get(command.key as string)
    reply({ value, roundTrips: commands() - before })
  } else if (command.op === 'set') {
    reply({ ok: await cache.set(command.key as string, command.value), roundTrips: 1 })
  } else {
    reply({ l1: cache.l1Stats(), stats: cache.stats() })
  }
}
await cache.close()
await redis.close()

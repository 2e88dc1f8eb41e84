import { describe, expect, it } from 'vitest'
import { rawCommand, redisTargets, startRedis } from '../src/index.ts'

describe('test-redis harness', () => {
  it('provides a standalone server that answers PING', async () => {
    const { standalone } = redisTargets()
    expect(await rawCommand(standalone.port, ['PING'])).toBe('+PONG\r\n')
  })

  it('provides a 3-master cluster whose slots are all covered', async () => {
    const { cluster } = redisTargets()
    expect(cluster).toHaveLength(3)
    const info = await rawCommand(cluster[0]!.port, ['CLUSTER', 'INFO'])
    expect(info).toContain('cluster_state:ok')
    expect(info).toContain('cluster_slots_assigned:16384')
    expect(info).toContain('cluster_known_nodes:3')
  })

  it('stop() ends the process and frees the port', async () => {
    const server = await startRedis()
    expect(await rawCommand(server.port, ['PING'])).toBe('+PONG\r\n')
    await server.stop()
    expect(() => process.kill(server.pid, 0)).toThrow()
    await expect(rawCommand(server.port, ['PING'])).rejects.toThrow()
  })
})

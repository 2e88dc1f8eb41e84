import { redisTargets, startRedis } from '@hotpath/test-redis'
import { afterAll } from 'vitest'
import { createMemoryRedis } from '../src/drivers/memory'
import { createTcpRedis } from '../src/drivers/tcp'
import { createRedis } from '../src/env'
import { registerRedisContractSuite } from '../src/testing/index'

const servers: { stop(): Promise<void> }[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

// A client that connected once, then lost its server: the case the helpers must survive.
async function stoppedServerClient() {
  const server = await startRedis()
  servers.push(server)
  const client = createTcpRedis({ url: server.url, timeoutMs: 300, retries: 0 })
  await client.ping()
  await server.stop()
  return client
}

// The contract is about behaviour, not latency: a generous timeout keeps a loaded CI machine
// from turning a slow reply into a failure. Timeouts themselves are tested in resilience.test.ts.
const timeoutMs = 5000

registerRedisContractSuite(
  'tcp standalone',
  () => createTcpRedis({ url: redisTargets().standalone.url, timeoutMs }),
  {
    unreachable: stoppedServerClient,
  },
)

registerRedisContractSuite(
  'tcp cluster (3 masters)',
  () => createTcpRedis({ nodes: redisTargets().cluster, timeoutMs }),
  {
    unreachable: stoppedServerClient,
  },
)

registerRedisContractSuite('memory', () => createMemoryRedis({ timeoutMs }))

// What apps get from the environment: the same driver, loaded on first use behind a wrapper.
registerRedisContractSuite(
  'tcp from REDIS_URL (createRedis, lazily loaded driver)',
  () => {
    const client = createRedis({ env: { REDIS_URL: redisTargets().standalone.url }, timeoutMs })
    if (!client) throw new Error('createRedis() returned null for a REDIS_URL')
    return client
  },
  { unreachable: stoppedServerClient },
)

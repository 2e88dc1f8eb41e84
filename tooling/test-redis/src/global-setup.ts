import type { TestProject } from 'vitest/node'
import { reapOrphans, startCluster, startRedis } from './servers.ts'

/**
 * Vitest global setup: one standalone server and one 3-master cluster for the whole run.
 * Tests read their addresses with `redisTargets()`.
 */
export default async function setup(project: TestProject) {
  reapOrphans()
  const [standalone, cluster] = await Promise.all([startRedis(), startCluster(3)])
  project.provide('hotpathRedis', {
    standalone: { url: standalone.url, host: standalone.host, port: standalone.port },
    cluster: cluster.nodes,
  })
  return async () => {
    await Promise.all([standalone.stop(), cluster.stop()])
  }
}

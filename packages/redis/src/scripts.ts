import { RedisError } from './errors'
import { sha1Hex } from './sha1'
import type { RedisClient } from './types'

export type Script = { readonly source: string; readonly sha1: string }

/** A Lua script with its SHA1, computed once, so every call can try EVALSHA first. */
export function defineScript(source: string): Script {
  return { source, sha1: sha1Hex(source) }
}

/**
 * EVALSHA, then EVAL when the server does not know the script (NOSCRIPT: restart, failover,
 * another cluster node). EVAL also caches the script, so the next call takes the fast path.
 */
export async function runScript(
  client: Pick<RedisClient, 'eval' | 'evalsha'>,
  script: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, keys, args)
  } catch (error) {
    if (error instanceof RedisError && error.message.startsWith('NOSCRIPT')) {
      return client.eval(script.source, keys, args)
    }
    throw error
  }
}

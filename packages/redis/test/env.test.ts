import { redisTargets } from '@hotpath/test-redis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { configFromEnv, createRedis, getRedis, resetRedis } from '../src/env'
import { RedisError } from '../src/errors'
import { deleteCache, getCache, setCache } from '../src/helpers'

afterEach(async () => {
  await resetRedis()
})

function configError(env: Record<string, string>): RedisError {
  try {
    configFromEnv(env)
  } catch (error) {
    if (error instanceof RedisError) return error
    throw error
  }
  throw new Error('expected E_OPTION_INVALID')
}

describe('createRedis() from the environment', () => {
  it('returns null when nothing is configured', () => {
    expect(createRedis({ env: {} })).toBeNull()
  })

  it('returns null when only one of the two Upstash variables is set', () => {
    expect(createRedis({ env: { UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' } })).toBeNull()
    expect(createRedis({ env: { UPSTASH_REDIS_REST_TOKEN: 'token' } })).toBeNull()
    expect(createRedis({ env: { KV_REST_API_URL: 'https://x.upstash.io' } })).toBeNull()
  })

  it('treats empty and blank variables as unset', () => {
    expect(
      createRedis({
        env: { UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: ' ', REDIS_URL: '' },
      }),
    ).toBeNull()
  })

  it('picks Upstash from UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN', () => {
    expect(
      configFromEnv({
        UPSTASH_REDIS_REST_URL: 'https://x.upstash.io',
        UPSTASH_REDIS_REST_TOKEN: 'AX_t0k',
      }),
    ).toEqual({
      driver: 'upstash',
      url: 'https://x.upstash.io',
      token: 'AX_t0k',
    })
  })

  it('accepts the Vercel KV aliases KV_REST_API_URL and KV_REST_API_TOKEN', () => {
    expect(
      configFromEnv({ KV_REST_API_URL: 'https://kv.example.com', KV_REST_API_TOKEN: 'tok' }),
    ).toMatchObject({
      driver: 'upstash',
      url: 'https://kv.example.com',
    })
  })

  it('normalises a trailing slash on the REST URL', () => {
    const config = configFromEnv({
      UPSTASH_REDIS_REST_URL: 'https://x.upstash.io/',
      UPSTASH_REDIS_REST_TOKEN: 't',
    })
    expect(config).toMatchObject({ url: 'https://x.upstash.io' })
    expect(configFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379/' })).toEqual({
      driver: 'tcp',
      url: 'redis://127.0.0.1:6379',
    })
  })

  it('prefers Upstash over REDIS_URL when both are configured', () => {
    const env = {
      UPSTASH_REDIS_REST_URL: 'https://x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 't',
      REDIS_URL: 'redis://h:1',
    }
    expect(configFromEnv(env)).toMatchObject({ driver: 'upstash' })
  })

  it('rejects a REST URL that is not a URL with E_OPTION_INVALID naming the variable', () => {
    const error = configError({
      UPSTASH_REDIS_REST_URL: 'x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 't',
    })
    expect(error.code).toBe('E_OPTION_INVALID')
    expect(error.message).toContain('UPSTASH_REDIS_REST_URL')
  })

  it('rejects a REST URL that is not http(s) with E_OPTION_INVALID', () => {
    const error = configError({ KV_REST_API_URL: 'redis://x.upstash.io', KV_REST_API_TOKEN: 't' })
    expect(error.code).toBe('E_OPTION_INVALID')
    expect(error.message).toContain('KV_REST_API_URL')
    expect(error.message).toContain('https://')
  })

  it('rejects a token containing whitespace with E_OPTION_INVALID', () => {
    const error = configError({
      UPSTASH_REDIS_REST_URL: 'https://x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 'abc def',
    })
    expect(error.code).toBe('E_OPTION_INVALID')
    expect(error.message).toContain('UPSTASH_REDIS_REST_TOKEN')
  })

  it('rejects a REDIS_URL that is not redis:// or rediss:// with E_OPTION_INVALID', () => {
    expect(configError({ REDIS_URL: 'http://127.0.0.1:6379' }).code).toBe('E_OPTION_INVALID')
    expect(configError({ REDIS_URL: 'not a url' }).code).toBe('E_OPTION_INVALID')
  })

  describe('CACHE_PROVIDER', () => {
    const upstash = {
      UPSTASH_REDIS_REST_URL: 'https://x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 't',
    }
    const tcp = { REDIS_URL: 'redis://127.0.0.1:6379' }

    it('names the driver instead of letting the variables decide', () => {
      const both = { ...upstash, ...tcp }
      expect(configFromEnv({ ...both, CACHE_PROVIDER: 'redis' })).toEqual({
        driver: 'tcp',
        url: 'redis://127.0.0.1:6379',
      })
      expect(configFromEnv({ ...both, CACHE_PROVIDER: 'upstash' })).toMatchObject({
        driver: 'upstash',
      })
      expect(configFromEnv({ ...both, CACHE_PROVIDER: ' Redis ' })).toMatchObject({
        driver: 'tcp',
      })
    })

    it('chooses memory only when named, and the client works', async () => {
      expect(configFromEnv({})).toBeNull()
      const redis = createRedis({ env: { ...tcp, CACHE_PROVIDER: 'memory' } })
      expect(redis?.driver).toBe('memory')
      await redis?.set('k', 'v')
      expect(await redis?.get('k')).toBe('v')
    })

    it.each([
      [{ CACHE_PROVIDER: 'redis', ...upstash }, 'REDIS_URL'],
      [{ CACHE_PROVIDER: 'upstash', ...tcp }, 'UPSTASH_REDIS_REST_URL'],
      [{ CACHE_PROVIDER: 'upstash', UPSTASH_REDIS_REST_URL: 'https://x.upstash.io' }, 'TOKEN'],
    ])('refuses a named provider whose variables are missing: %j', (env, named) => {
      const error = configError(env)
      expect(error.code).toBe('E_OPTION_INVALID')
      expect(error.message).toContain(named)
    })

    it('refuses an unknown provider with E_OPTION_INVALID naming the accepted ones', () => {
      const error = configError({ CACHE_PROVIDER: 'valkey', ...tcp })
      expect(error.code).toBe('E_OPTION_INVALID')
      expect(error.message).toContain('upstash, redis, memory')
      expect(() => createRedis({ env: { CACHE_PROVIDER: 'mem' } })).toThrow(RedisError)
    })

    it('treats a blank CACHE_PROVIDER as unset', () => {
      expect(configFromEnv({ CACHE_PROVIDER: ' ', ...tcp })).toMatchObject({ driver: 'tcp' })
      expect(configFromEnv({ CACHE_PROVIDER: '' })).toBeNull()
    })
  })

  it('returns one client per configuration and a new one after resetRedis()', async () => {
    const env = { REDIS_URL: redisTargets().standalone.url }
    const first = createRedis({ env })
    expect(first).not.toBeNull()
    expect(createRedis({ env })).toBe(first)
    expect(createRedis({ env: { REDIS_URL: `${redisTargets().standalone.url}/1` } })).not.toBe(
      first,
    )
    await resetRedis()
    expect(createRedis({ env })).not.toBe(first)
  })

  it('a REDIS_URL client talks to the server through the lazily loaded tcp driver', async () => {
    const redis = createRedis({ env: { REDIS_URL: redisTargets().standalone.url } })
    expect(redis?.driver).toBe('tcp')
    expect(await redis?.ping()).toBe('PONG')
  })

  it('UPSTASH_REDIS_REST_* gets the http driver, or the SDK with restDriver: upstash, one client each', async () => {
    const env = { UPSTASH_REDIS_REST_URL: 'https://x.upstash.io', UPSTASH_REDIS_REST_TOKEN: 't' }
    const http = createRedis({ env })
    const sdk = createRedis({ env, restDriver: 'upstash' })
    expect(http?.driver).toBe('http')
    expect(sdk?.driver).toBe('upstash')
    expect(createRedis({ env, restDriver: 'http' })).toBe(http)
    expect(() => createRedis({ env, restDriver: 'fetch' as 'http' })).toThrow(
      expect.objectContaining({ code: 'E_OPTION_INVALID' }),
    )
    await resetRedis()
  })

  it('closing a client made by createRedis() makes the next call create a fresh one', async () => {
    const env = { REDIS_URL: redisTargets().standalone.url }
    const first = createRedis({ env })
    await first?.close()
    const second = createRedis({ env })
    expect(second).not.toBe(first)
    expect(await second?.ping()).toBe('PONG')
  })
})

describe('getRedis()', () => {
  it('resolves the environment once and answers the same client until resetRedis()', async () => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', '')
    vi.stubEnv('UPSTASH_REDIS_REST_TOKEN', '')
    vi.stubEnv('KV_REST_API_URL', '')
    vi.stubEnv('KV_REST_API_TOKEN', '')
    vi.stubEnv('REDIS_URL', '')
    try {
      expect(getRedis()).toBeNull()
      vi.stubEnv('REDIS_URL', redisTargets().standalone.url)
      expect(getRedis()).toBeNull()
      await resetRedis()
      const client = getRedis()
      expect(client?.driver).toBe('tcp')
      expect(getRedis()).toBe(client)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('the env helpers degrade to null and false when no Redis is configured', async () => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', '')
    vi.stubEnv('KV_REST_API_URL', '')
    vi.stubEnv('REDIS_URL', '')
    try {
      await resetRedis()
      expect(await getCache('k')).toBeNull()
      expect(await setCache('k', 'v', 10)).toBe(false)
      expect(await deleteCache('k')).toBe(false)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('the env helpers use the REDIS_URL client when configured', async () => {
    vi.stubEnv('UPSTASH_REDIS_REST_URL', '')
    vi.stubEnv('KV_REST_API_URL', '')
    vi.stubEnv('REDIS_URL', redisTargets().standalone.url)
    try {
      await resetRedis()
      const key = `hp:env:${Math.random()}`
      expect(await setCache(key, { n: 1n }, 30)).toBe(true)
      expect(await getCache(key)).toEqual({ n: 1n })
      expect(await deleteCache(key)).toBe(true)
      expect(await getCache(key)).toBeNull()
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

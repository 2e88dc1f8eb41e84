import { describe, expect, it } from 'vitest'
import { bundleForEdge, EDGE_CONDITIONS, type EdgePlatform } from '../src/bundle'

/** The entry points a Worker or an edge function imports. */
const EDGE_ENTRIES = [
  '@hotpath/redis',
  '@hotpath/redis/http',
  '@hotpath/keys',
  '@hotpath/cache',
  '@hotpath/ratelimit',
  '@hotpath/ratelimit/hono',
  '@hotpath/session',
]

/**
 * Built-ins an entry is known to reach today, each a defect reported to its package's owner:
 * the test fails when one is added and when one is fixed (so the list shrinks with the fix).
 * - @hotpath/cache: `import('node:zlib')` in src/entry.ts for compressed entries. Lazy, so a
 *   bundle that never decompresses loads, but wrangler without `nodejs_compat` and
 *   `next build` for the edge refuse to resolve it.
 */
const KNOWN: Record<string, string[]> = {
  '@hotpath/cache': ['node:zlib'],
}

describe.each(Object.keys(EDGE_CONDITIONS) as EdgePlatform[])(
  'bundled for %s, no Node built-in is reached',
  (platform) => {
    it.each(EDGE_ENTRIES)('%s', async (entry) => {
      const bundle = await bundleForEdge(`export * from '${entry}'`, platform)
      expect(bundle.nodeImports.map((found) => found.path)).toEqual(KNOWN[entry] ?? [])
      expect(bundle.code.length).toBeGreaterThan(0)
    })
  },
)

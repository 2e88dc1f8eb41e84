import { fileURLToPath } from 'node:url'
import type { NextConfig } from 'next'

// Next imports cache handlers at runtime, outside its bundler: these are the ESM bundles that
// scripts/build-cache-handlers.ts makes from cache-handlers/*.ts (the stack runs it first).
const handler = (name: string) =>
  fileURLToPath(new URL(`./cache-handlers/dist/${name}.mjs`, import.meta.url))

// HOTPATH_NEXT_CACHE_HANDLERS=off falls back to Next's in-memory caches (for debugging).
const redisHandlers = process.env.HOTPATH_NEXT_CACHE_HANDLERS !== 'off'

const config: NextConfig = {
  // 'use cache' and cacheTag/updateTag: the product list is a cached component.
  cacheComponents: true,
  // Runtime prefetch renders of signed-in pages abort their Redis fetches when the prerender
  // completes; every link here opts out of prefetching, and so does the app.
  partialPrefetching: false,
  // The workspace packages ship TypeScript source inside the repo.
  transpilePackages: [
    '@apps/db',
    '@hotpath/cache',
    '@hotpath/keys',
    '@hotpath/ratelimit',
    '@hotpath/redis',
    '@hotpath/session',
  ],
  // Native/wasm drivers stay plain Node requires.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres', 'ioredis', 'ioredis-mock'],
  ...(redisHandlers && {
    // ISR, route and fetch cache → Redis through @hotpath/cache/next; no second in-memory copy.
    cacheHandler: handler('incremental'),
    cacheMaxMemorySize: 0,
    // 'use cache' / 'use cache: remote' → Redis too, so every instance shares them.
    cacheHandlers: {
      default: handler('use-cache'),
      remote: handler('use-cache'),
    },
  }),
  // `tsc --noEmit` is its own task (pnpm typecheck); the build does not repeat it over the
  // workspace packages' sources.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
}

export default config

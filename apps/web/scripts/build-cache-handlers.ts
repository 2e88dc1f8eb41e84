/**
 * Next loads `cacheHandler` / `cacheHandlers` with a plain runtime import, outside its
 * bundler, and Node 20 cannot import TypeScript — nor the workspace packages, which ship
 * their TypeScript source inside the repo. So the two handler files are bundled to ESM
 * here (cache-handlers/dist), before `next build` / `next dev` / `next start`.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(webDir, 'package.json'))

type Esbuild = {
  build(options: Record<string, unknown>): Promise<{ warnings: unknown[] }>
}

// esbuild is tsx's own dependency; resolving it through tsx avoids a second copy.
function loadEsbuild(): Esbuild {
  try {
    return require('esbuild') as Esbuild
  } catch {
    return createRequire(require.resolve('tsx'))('esbuild') as Esbuild
  }
}

export async function buildCacheHandlers(): Promise<void> {
  const esbuild = loadEsbuild()
  await esbuild.build({
    entryPoints: {
      'use-cache': join(webDir, 'cache-handlers', 'use-cache.ts'),
      incremental: join(webDir, 'cache-handlers', 'incremental.ts'),
    },
    outdir: join(webDir, 'cache-handlers', 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The app's own dependencies resolve from apps/web/node_modules at runtime.
    external: ['next', 'next/*', 'ioredis', 'ioredis-mock', '@upstash/redis'],
    // ESM output still meets CommonJS inside bundled dependencies.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCacheHandlers()
  process.stdout.write('cache handlers bundled to cache-handlers/dist\n')
}

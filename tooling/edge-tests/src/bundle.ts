import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build, type Metafile, type Plugin } from 'esbuild'

/** The conditions each platform's bundler resolves with (wrangler, next build for edge). */
export const EDGE_CONDITIONS = {
  workerd: ['workerd', 'worker', 'browser', 'import'],
  'edge-light': ['edge-light', 'worker', 'browser', 'import'],
} as const

export type EdgePlatform = keyof typeof EDGE_CONDITIONS

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

export type Bundle = {
  code: string
  /** Every Node built-in the bundle asked for, with the file that asked. */
  nodeImports: { path: string; importer: string }[]
  metafile: Metafile
}

/**
 * Bundles `source` (module text, resolved from this package) as an edge platform's bundler
 * would: no Node built-ins exist there, so each one reached is recorded (and left external so
 * the report names them all at once, instead of failing on the first).
 */
export async function bundleForEdge(
  source: string,
  platform: EdgePlatform,
  options: {
    format?: 'esm' | 'iife'
    minify?: boolean
    /**
     * Built-ins to replace with a module that throws when loaded, for a known lazy import that
     * would otherwise keep a runtime from loading the bundle at all (see KNOWN in the tests).
     */
    stub?: readonly string[]
  } = {},
): Promise<Bundle> {
  const nodeImports: Bundle['nodeImports'] = []
  const guard: Plugin = {
    name: 'no-node-builtins',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (!builtins.has(args.path)) return undefined
        nodeImports.push({ path: args.path, importer: args.importer })
        if (options.stub?.includes(args.path)) return { path: args.path, namespace: 'edge-stub' }
        return { path: args.path, external: true }
      })
      pluginBuild.onLoad({ filter: /.*/, namespace: 'edge-stub' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not available on this runtime`)})`,
        loader: 'js',
      }))
    },
  }
  const result = await build({
    stdin: {
      contents: source,
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      loader: 'ts',
      sourcefile: 'edge-entry.ts',
    },
    bundle: true,
    write: false,
    format: options.format ?? 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: [...EDGE_CONDITIONS[platform]],
    mainFields: ['browser', 'module', 'main'],
    minify: options.minify ?? false,
    metafile: true,
    logLevel: 'silent',
    plugins: [guard],
  })
  const code = result.outputFiles[0]?.text ?? ''
  return { code, nodeImports, metafile: result.metafile }
}

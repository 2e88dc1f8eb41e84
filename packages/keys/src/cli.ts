#!/usr/bin/env node
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { toMarkdown } from './markdown'
import type { Registry } from './registry'

const USAGE = `usage: hotpath-keys <module> [--export <name>]

Prints the registry exported by <module> (export "registry" unless --export names
another) as a markdown table. For a .ts module run it through tsx:
  npx tsx node_modules/@hotpath/keys/dist/cli.js ./src/keys.ts
`

function isRegistry(value: unknown): value is Registry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Registry).describe === 'function' &&
    typeof (value as Registry).parse === 'function'
  )
}

async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv]
  let exportName = 'registry'
  const flag = args.indexOf('--export')
  if (flag !== -1) {
    exportName = args[flag + 1] ?? ''
    args.splice(flag, 2)
  }
  const [file, ...rest] = args
  if (!file || rest.length > 0 || exportName === '' || file === '--help' || file === '-h') {
    process.stderr.write(USAGE)
    return file === '--help' || file === '-h' ? 0 : 2
  }
  let loaded: Record<string, unknown>
  try {
    loaded = await import(pathToFileURL(resolve(process.cwd(), file)).href)
  } catch (error) {
    const hint =
      (error as { code?: string }).code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? '\nnode cannot load TypeScript by itself; run this command through tsx (see --help)'
        : ''
    process.stderr.write(`hotpath-keys: cannot load ${file}: ${String(error)}${hint}\n`)
    return 1
  }
  const candidate = loaded[exportName]
  if (!isRegistry(candidate)) {
    process.stderr.write(`hotpath-keys: ${file} has no registry export named "${exportName}"\n`)
    return 1
  }
  process.stdout.write(toMarkdown(candidate))
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`hotpath-keys: ${String(error)}\n`)
    process.exitCode = 1
  },
)

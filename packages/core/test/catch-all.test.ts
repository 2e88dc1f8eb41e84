import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HotpathError, isHotpathError } from '../src/errors'

// Each package's errors.ts with the code the test throws. The bundles inline @hotpath/core,
// so every package build carries its own copy of the base: the worst case a bundler can make.
const packages = [
  { dir: 'redis', className: 'RedisError', code: 'E_CONNECTION' },
  { dir: 'redis-rest', className: 'RestServerError', code: 'E_BACKEND_UNAVAILABLE' },
  { dir: 'keys', className: 'KeyError', code: 'E_KEY_TEMPLATE_INVALID' },
  { dir: 'cache', className: 'CacheError', code: 'E_HARD_TIMEOUT' },
  { dir: 'session', className: 'SessionError', code: 'E_SESSION_STORE' },
  { dir: 'ratelimit', className: 'RatelimitError', code: 'E_LIMIT_INVALID' },
] as const
const formats = ['esm', 'cjs'] as const
type Format = (typeof formats)[number]
type ErrorModule = Record<string, unknown> & { errors: Record<string, string> }
type ErrorClass = new (code: string, message: string, options?: { cause?: unknown }) => Error

const root = resolve(import.meta.dirname, '../..')
let out: string
const loaded = new Map<string, ErrorModule>()

async function bundle(entry: string, name: string, format: Format): Promise<ErrorModule> {
  const outDir = join(out, name, format)
  await build({
    config: false,
    entry: { errors: entry },
    format: [format],
    outDir,
    noExternal: ['@hotpath/core'],
    target: 'es2022',
    silent: true,
    dts: false,
    outExtension: () => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  })
  const file = join(outDir, format === 'esm' ? 'errors.mjs' : 'errors.cjs')
  if (format === 'cjs') return createRequire(import.meta.url)(file) as ErrorModule
  return (await import(pathToFileURL(file).href)) as ErrorModule
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'hotpath-core-'))
  for (const format of formats) {
    loaded.set(`core:${format}`, await bundle(join(root, 'core/src/index.ts'), 'core', format))
    for (const p of packages) {
      loaded.set(
        `${p.dir}:${format}`,
        await bundle(join(root, p.dir, 'src/errors.ts'), p.dir, format),
      )
    }
  }
})

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true })
})

function mod(key: string): ErrorModule {
  const m = loaded.get(key)
  if (!m) throw new Error(`bundle ${key} missing`)
  return m
}

describe('every package error is a HotpathError, from either build', () => {
  for (const p of packages) {
    for (const format of formats) {
      it(`${p.className} (${format})`, () => {
        const m = mod(`${p.dir}:${format}`)
        expect(m.errors[p.code]).toBe(p.code)
        const Own = m[p.className] as ErrorClass
        const cause = new Error('root cause')
        const error = new Own(p.code, 'it failed', { cause })

        // The source guard and both builds' guards agree.
        expect(isHotpathError(error)).toBe(true)
        for (const coreFormat of formats) {
          const core = mod(`core:${coreFormat}`)
          expect((core.isHotpathError as typeof isHotpathError)(error)).toBe(true)
          expect(error instanceof (core.HotpathError as ErrorClass)).toBe(true)
        }
        expect(error instanceof HotpathError).toBe(true)
        expect(error).toMatchObject({ code: p.code, message: 'it failed', name: p.className })
        expect(error.cause).toBe(cause)

        // instanceof the same class from the other build, not instanceof a sibling class.
        const other = mod(`${p.dir}:${format === 'esm' ? 'cjs' : 'esm'}`)
        expect(error instanceof (other[p.className] as ErrorClass)).toBe(true)
        for (const q of packages.filter((q) => q.dir !== p.dir)) {
          expect(error instanceof (mod(`${q.dir}:${format}`)[q.className] as ErrorClass)).toBe(
            false,
          )
        }
      })
    }
  }
})

describe('isHotpathError', () => {
  it('refuses plain errors and look-alikes without the brand', () => {
    expect(isHotpathError(new Error('x'))).toBe(false)
    expect(isHotpathError({ code: 'E_OPTION_INVALID', message: 'x' })).toBe(false)
    expect(isHotpathError(null)).toBe(false)
    expect(isHotpathError('E_OPTION_INVALID')).toBe(false)
    expect(new Error('x') instanceof HotpathError).toBe(false)
  })
})

describe('codes', () => {
  it('"bad option" has one spelling and no package keeps an old one', () => {
    const old = [
      'E_INVALID_OPTION',
      'E_KEY_OPTION_INVALID',
      'E_SESSION_OPTIONS_INVALID',
      'E_CONFIG_INVALID',
    ]
    for (const p of packages) {
      const codes = Object.keys(mod(`${p.dir}:esm`).errors)
      for (const code of old) expect(codes).not.toContain(code)
    }
    for (const dir of ['redis', 'redis-rest', 'keys', 'cache', 'session', 'ratelimit']) {
      expect(mod(`${dir}:esm`).errors.E_OPTION_INVALID).toBe('E_OPTION_INVALID')
    }
  })
})

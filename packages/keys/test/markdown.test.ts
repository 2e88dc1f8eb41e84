import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { defineKeys, key, toMarkdown } from '../src/index'

describe('toMarkdown()', () => {
  it('renders one table row per key with ttl, jitter, tags, version, slot and description', () => {
    const registry = defineKeys(
      {
        userTier: key('user:tier:{userId}', {
          ttl: '60s',
          jitter: 0.25,
          tags: (p) => [`user:${p.userId}`],
          description: 'Tier | cached',
        }),
        rl: key('rl:{identifier}:{window}', { slot: 'identifier', version: 2 }),
      },
      { prefix: 'app' },
    )
    expect(toMarkdown(registry)).toBe(
      [
        '| Name | Template | SCAN pattern | TTL | Tags | Version | Slot | Schema | Description |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        '| `userTier` | `user:tier:{userId}` | `app:user:tier:(*)` | 60 s ± 25% | `user:{userId}` | — | — | — | Tier \\| cached |',
        '| `rl` | `rl:{identifier}:{window}` | `app:rl:{*}:(*):v2` | — | — | 2 | `identifier` | — |  |',
        '',
      ].join('\n'),
    )
  })

  it('fences a template that contains backticks with a longer fence', () => {
    const registry = defineKeys({ odd: key('a`b:{id}') }, { prefix: '' })
    expect(toMarkdown(registry)).toContain('| `odd` | `` a`b:{id} `` |')
  })
})

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))

// Each case starts node with tsx; give it room on a loaded machine.
describe('the hotpath-keys command', { timeout: 30_000 }, () => {
  it('prints the registry exported by a TypeScript module as a markdown table', async () => {
    const { stdout } = await run(tsx, ['src/cli.ts', 'test/fixtures/registry.ts'], {
      cwd: packageDir,
    })
    expect(stdout).toContain(
      '| `userTier` | `user:tier:{userId}` | `fixture:user:tier:(*)` | 60 s |',
    )
    expect(stdout).toContain('| `products` | `products:all` |')
  })

  it('prints another export when --export names it', async () => {
    const { stdout } = await run(
      tsx,
      ['src/cli.ts', 'test/fixtures/registry.ts', '--export', 'other'],
      { cwd: packageDir },
    )
    expect(stdout).toContain('| `only` | `only` | `only` |')
  })

  it('exits 1 naming the export when the module has no such registry', async () => {
    const failed = run(tsx, ['src/cli.ts', 'test/fixtures/registry.ts', '--export', 'nope'], {
      cwd: packageDir,
    })
    await expect(failed).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('"nope"'),
    })
  })

  it('exits 2 with the usage when called without a module', async () => {
    await expect(run(tsx, ['src/cli.ts'], { cwd: packageDir })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: hotpath-keys'),
    })
  })
})

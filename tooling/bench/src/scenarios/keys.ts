import { defineKeys, key } from '@hotpath/keys'
import { referenceKeys } from '@hotpath/keys/reference'
import { measure, ratio, type Scenario } from '../scenario'

// Seed 001's hand-written key builders: the anchor a registry has to stay close to.
const CacheKeys = {
  userTier: (userId: string) => `user:tier:${userId}`,
  window: (identifier: string, window: number) => `rl:{${identifier}}:${window}`,
}

const BATCH = 1000
const ids = Array.from({ length: BATCH }, (_, i) => `user_${i.toString(36)}_${i * 7919}`)
// Values that need escaping: an email with a space and a colon in it.
const awkward = ids.map((id) => `${id} x:@example.com`)

const scenario: Scenario = {
  name: 'keys',
  description: `Key building and parsing in batches of ${BATCH}, no Redis involved: \`registry.keys.userTier({ userId })\` (one parameter), a two-parameter key with a hash-tag slot, values that need escaping, and \`registry.parse()\` over the 11-template reference registry. Anchor: seed 001's template-literal builders (\`\`user:tier:\${id}\`\`), which neither escape nor check anything.`,
  async run({ timeMs }) {
    const registry = defineKeys(referenceKeys, { prefix: 'bench' }).extend({
      window: key('rl:{identifier}:{window}', { slot: 'identifier' }),
    })
    const built = ids.map((userId) => registry.keys.userTier({ userId }).key)
    let sink = 0
    const rows = await measure(
      {
        'template literal, 1 param (anchor)': async () => {
          for (const id of ids) sink += CacheKeys.userTier(id).length
        },
        'registry build, 1 param': async () => {
          for (const userId of ids) sink += registry.keys.userTier({ userId }).key.length
        },
        'template literal, 2 params + hash tag (anchor)': async () => {
          for (const id of ids) sink += CacheKeys.window(id, 60).length
        },
        'registry build, 2 params + slot': async () => {
          for (const identifier of ids)
            sink += registry.keys.window({ identifier, window: 60 }).key.length
        },
        'registry build, 1 param needing escapes': async () => {
          for (const userId of awkward) sink += registry.keys.userTier({ userId }).key.length
        },
        'registry parse (12 templates)': async () => {
          for (const k of built) sink += registry.parse(k) ? 1 : 0
        },
      },
      { timeMs },
    )
    if (sink === 0) throw new Error('the benchmark loops were optimised away')
    const row = (name: string) => rows.find((r) => r.name === name)
    return {
      rows: rows.map((r) => ({ ...r, keysPerSec: (r.opsPerSec ?? 0) * BATCH })),
      ratios: {
        'build 1 param / template literal': ratio(
          row('registry build, 1 param'),
          row('template literal, 1 param (anchor)'),
        ),
        'build 2 params + slot / template literal': ratio(
          row('registry build, 2 params + slot'),
          row('template literal, 2 params + hash tag (anchor)'),
        ),
        'build with escapes / build without': ratio(
          row('registry build, 1 param needing escapes'),
          row('registry build, 1 param'),
        ),
        'parse / build 1 param': ratio(
          row('registry parse (12 templates)'),
          row('registry build, 1 param'),
        ),
      },
      notes: [
        'Each op is a batch of 1000 keys; keysPerSec = opsPerSec × 1000.',
        'A registry build also validates and escapes every value and allocates a KeyRef (key, params, ttl, tags).',
      ],
    }
  },
}

export default scenario

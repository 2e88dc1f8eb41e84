import * as v from 'valibot'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  defineKeys,
  type KeyDefinition,
  type KeyRef,
  key,
  type ParamName,
  type Registry,
  validate,
} from '../src/index'

const registry = defineKeys({
  userTier: key('user:tier:{userId}', { ttl: '60s', tags: (p) => [`user:${p.userId}`] }),
  adminDashboardStats: key('admin:dashboard:stats'),
  rl: key('rl:{identifier}:{window}', { slot: 'identifier' }),
  profile: key('user:{userId}:profile', { schema: z.object({ name: z.string() }) }),
  prefs: key('user:{userId}:prefs', { schema: v.object({ theme: v.string() }) }),
})

describe('builder types', () => {
  it('takes each template parameter as a string or a number', () => {
    expectTypeOf(registry.keys.userTier).parameter(0).toEqualTypeOf<{ userId: string | number }>()
    expectTypeOf(registry.keys.rl)
      .parameter(0)
      .toEqualTypeOf<{ identifier: string | number; window: string | number }>()
  })

  it('takes no argument for a template without parameters', () => {
    expectTypeOf(registry.keys.adminDashboardStats).parameters.toEqualTypeOf<[]>()
    expectTypeOf(registry.keys.adminDashboardStats()).toExtend<KeyRef>()
  })

  it('rejects a missing, misspelt or extra parameter at compile time', () => {
    // @ts-expect-error userId is required
    registry.keys.userTier({})
    // @ts-expect-error the builder needs its parameter object
    registry.keys.userTier()
    // @ts-expect-error extra parameter
    registry.keys.userTier({ userId: 1, extra: 'x' })
    // @ts-expect-error misspelt parameter
    registry.keys.userTier({ userID: 1 })
    // @ts-expect-error a template without parameters takes none
    registry.keys.adminDashboardStats({ userId: 1 })
    // @ts-expect-error booleans are not key parameters
    registry.keys.userTier({ userId: true })
  })

  it('returns a KeyRef whose params are strings keyed by the template parameters', () => {
    const ref = registry.keys.rl({ identifier: 'ip', window: 60 })
    expectTypeOf(ref.params).toEqualTypeOf<{ identifier: string; window: string }>()
    expectTypeOf(ref.key).toEqualTypeOf<string>()
    expectTypeOf(ref.tags).toEqualTypeOf<string[]>()
    expectTypeOf(ref.ttl).toEqualTypeOf<number | undefined>()
    expectTypeOf(`${ref}`).toEqualTypeOf<string>()
  })

  it('extracts parameter names from the template', () => {
    expectTypeOf<ParamName<'a:{x}:b:{y}'>>().toEqualTypeOf<'x' | 'y'>()
    expectTypeOf<ParamName<'pair:{a}-{b}'>>().toEqualTypeOf<'a' | 'b'>()
    expectTypeOf<ParamName<'plain'>>().toEqualTypeOf<never>()
    expectTypeOf<ParamName<string>>().toEqualTypeOf<string>()
  })
})

describe('options types', () => {
  it('types the tags function argument from the template', () => {
    key('user:{userId}:{kind}', {
      tags: (p) => {
        expectTypeOf(p).toEqualTypeOf<{ userId: string; kind: string }>()
        return []
      },
    })
  })

  it('only accepts a template parameter as the slot', () => {
    key('rl:{identifier}:{window}', { slot: 'window' })
    // @ts-expect-error not a parameter of the template
    key('rl:{identifier}:{window}', { slot: 'userId' })
  })

  it('accepts a ttl in seconds or as a duration string, and refuses other strings', () => {
    key('a', { ttl: 90 })
    key('a', { ttl: '90s' })
    key('a', { ttl: '7d' })
    // @ts-expect-error unknown unit
    key('a', { ttl: '5 minutes' })
  })

  it('carries the schema output type to the definition, the KeyRef and validate()', async () => {
    type Profile = { name: string }
    expectTypeOf(registry.keys.profile).toExtend<KeyDefinition<string, Profile>>()
    const result = await validate(registry.keys.profile({ userId: 1 }), {})
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<Profile>()
    const prefs = await validate(registry.keys.prefs, {})
    if (prefs.ok) expectTypeOf(prefs.value).toEqualTypeOf<{ theme: string }>()
  })
})

describe('registry types', () => {
  it('every definition is assignable to the wide KeyDefinition and every registry to Registry', () => {
    expectTypeOf(registry.keys.userTier).toExtend<KeyDefinition>()
    expectTypeOf(registry.keys.adminDashboardStats).toExtend<KeyDefinition>()
    expectTypeOf(registry.keys.userTier({ userId: 1 })).toExtend<KeyRef>()
    const wide: Registry = registry
    const definition: KeyDefinition = registry.keys.rl
    const ref: KeyRef = registry.keys.profile({ userId: 1 })
    expectTypeOf([wide, definition, ref]).not.toBeAny()
  })

  it('extend() adds the new builders to the type', () => {
    const extended = registry.extend({ session: key('session:{tokenHash}') })
    expectTypeOf(extended.keys.session).parameter(0).toEqualTypeOf<{ tokenHash: string | number }>()
    expectTypeOf(extended.keys.userTier).parameter(0).toEqualTypeOf<{ userId: string | number }>()
    const merged = registry.extend(defineKeys({ other: key('other:{id}') }))
    expectTypeOf(merged.keys.other).parameter(0).toEqualTypeOf<{ id: string | number }>()
  })

  it('parse() narrows params by name', () => {
    const parsed = registry.parse('user:tier:(1)')
    if (parsed?.name === 'rl') {
      expectTypeOf(parsed.params).toEqualTypeOf<{ identifier: string; window: string }>()
    }
    if (parsed) {
      expectTypeOf(parsed.name).toEqualTypeOf<
        'userTier' | 'adminDashboardStats' | 'rl' | 'profile' | 'prefs'
      >()
    }
  })
})

import type { Duration } from '@hotpath/core'
import type { KeyRef } from '@hotpath/keys'
import {
  checkCacheKey,
  checkKeyText,
  checkOptions,
  checkSchemaOption,
  checkTagsOption,
} from './arguments'
import { type CachePolicy, type RegistryLike, type ResolvedPolicy, resolvePolicy } from './options'
import type { SchemaLike } from './schema'
import { DEFAULT_NAMESPACE } from './telemetry'
import { BoundedMap, union } from './util'

/** A plain string key, or a KeyRef from the app's registry (its ttl, tags and schema apply). */
export type CacheKey<T = unknown> = string | KeyRef<T>

export type LoaderContext<T> = {
  readonly key: string
  /** The stale value being refreshed, when the loader runs for a graced entry. */
  readonly stale: T | undefined
  /** Decide the ttl from what was loaded (seconds or string); wins over every other ttl. */
  setTtl(ttl: Duration | number): void
  /** Replace the entry's tags with tags derived from what was loaded. */
  setTags(tags: readonly string[]): void
}

export type Loader<T> = (ctx: LoaderContext<T>) => T | Promise<T>

export type GetOrSetOptions<T = unknown> = CachePolicy & {
  /** Tags to attach; added to the KeyRef's tags. */
  tags?: readonly string[]
  /** Validates the value on read; a value that fails is a miss. A KeyRef's schema applies too. */
  schema?: SchemaLike<T>
}

export type GetOptions<T = unknown> = Pick<GetOrSetOptions<T>, 'tags' | 'schema'>

export type SetOptions = Pick<CachePolicy, 'ttl' | 'grace' | 'jitter'> & {
  tags?: readonly string[]
}

/** One call's key, namespace, tags, schema and policy. */
export type Plan = {
  key: string
  namespace: string
  tags: readonly string[]
  schema: SchemaLike | undefined
  /** Whether this key may be answered from the in-process L1 (the tier on, the key not opted out). */
  l1: boolean
  /** Per-call options, resolved against `base` only when a miss needs them (see `policyOf`). */
  options: CachePolicy | undefined
  base: ResolvedPolicy
  resolved?: ResolvedPolicy
}

export function policyOf(plan: Plan): ResolvedPolicy {
  plan.resolved ??= plan.options ? resolvePolicy(plan.options, plan.base) : plan.base
  return plan.resolved
}

/** The grace of a plan without resolving the rest: all a hit needs. */
export function graceOf(plan: Plan): number {
  return plan.options?.grace === undefined ? plan.base.graceMs : policyOf(plan).graceMs
}

export const NO_TAGS: readonly string[] = []
const NAMESPACES_MAX = 10_000

/** Which keys L1 keeps: none (tier off), all but opted-out definitions, or only opted-in ones. */
export type L1Scope = 'off' | 'all' | 'opted-in'

type Parsed = { namespace: string; l1: boolean }

/** Turns a key and per-call options into a `Plan`, checking both. */
export class Planner {
  readonly #registry: RegistryLike | undefined
  readonly #defaults: ResolvedPolicy
  readonly #l1: L1Scope
  /** `registry.parse` per string key, remembered: parsing a key costs more than a hit's bookkeeping. */
  readonly #parsed = new BoundedMap<string, Parsed>(NAMESPACES_MAX)
  readonly #unregistered: Parsed

  constructor(registry: RegistryLike | undefined, defaults: ResolvedPolicy, l1: L1Scope) {
    this.#registry = registry
    this.#defaults = defaults
    this.#l1 = l1
    this.#unregistered = { namespace: DEFAULT_NAMESPACE, l1: this.#l1Of(undefined) }
  }

  /** A definition's `l1` wins; else the cache's scope decides. */
  #l1Of(definition: { readonly l1?: boolean | undefined } | undefined): boolean {
    if (this.#l1 === 'off') return false
    return definition?.l1 ?? this.#l1 === 'all'
  }

  plan<T>(key: CacheKey<T>, options: GetOrSetOptions<T> | SetOptions | undefined): Plan {
    if (options !== undefined) checkPlanOptions(options)
    const schema =
      options && 'schema' in options ? (options.schema as SchemaLike | undefined) : undefined
    if (typeof key === 'string') {
      checkKeyText(key, 'cache key')
      const parsed = this.#parse(key)
      return {
        key,
        namespace: parsed.namespace,
        l1: parsed.l1,
        options,
        base: this.#defaults,
        tags: options?.tags ?? NO_TAGS,
        schema,
      }
    }
    checkCacheKey(key, 'cache key')
    const definition = key.definition
    let base = this.#defaults
    if (key.ttl !== undefined || definition.jitter > 0) {
      base = resolvePolicy(
        { ttl: key.ttl, jitter: definition.jitter > 0 ? definition.jitter : undefined },
        this.#defaults,
      )
    }
    return {
      key: key.key,
      namespace: key.name,
      l1: this.#l1Of(definition),
      options,
      base,
      tags: union(key.tags, options?.tags),
      schema: schema ?? (definition.schema as SchemaLike | undefined),
    }
  }

  #parse(key: string): Parsed {
    if (!this.#registry) return this.#unregistered
    let parsed = this.#parsed.get(key)
    if (parsed === undefined) {
      const found = this.#registry.parse(key)
      parsed = found
        ? { namespace: found.name, l1: this.#l1Of(found.definition) }
        : this.#unregistered
      this.#parsed.set(key, parsed)
    }
    return parsed
  }
}

export function checkPlanOptions(options: GetOrSetOptions | SetOptions): void {
  checkOptions(options, 'options')
  checkTagsOption(options.tags, 'options.tags')
  if ('schema' in options) checkSchemaOption(options.schema, 'options.schema')
}

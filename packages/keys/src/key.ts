import { type Duration, parseDuration } from '@hotpath/core'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { KeyError } from './errors'
import { encodeParam } from './escape'
import {
  assertLiteral,
  compileTemplate,
  type KeyParams,
  type ParamName,
  type ParsedParams,
} from './template'

/** Derives tags from the (string) parameters of one key. Method syntax keeps it bivariant. */
type TagsFn<T extends string> = {
  bivarianceHack(params: ParsedParams<T>): readonly string[]
}['bivarianceHack']

export type KeyOptions<T extends string = string, V = unknown> = {
  /**
   * Time to live, at least a second and whole seconds: a duration (`'90s'`, `'90 s'`, `'5m'`,
   * `'1.5h'`, `'7d'`, `'60000ms'`). A bare number is read as seconds (deprecated: write the unit).
   * @default undefined (no expiry)
   */
  ttl?: Duration | number
  /**
   * Share of the ttl (0 ≤ jitter < 1) that `ttlWithJitter()` adds or subtracts at random,
   * so entries written together do not all expire in the same second.
   * @default 0
   */
  jitter?: number
  /**
   * Any Standard Schema (zod, valibot, arktype…). Readers validate with `validate()`.
   * @default undefined (values are not validated)
   */
  schema?: StandardSchemaV1<unknown, V>
  /**
   * Tags for invalidation: a fixed list, or a function of the parameters.
   * @default []
   */
  tags?: readonly string[] | TagsFn<T>
  /**
   * Positive integer appended as a final `:v<version>` segment. Bumping it makes every
   * entry written under the previous version unreachable.
   * @default undefined (no version segment)
   */
  version?: number
  /**
   * Parameter whose value becomes the Redis Cluster hash tag: it is written `{value}`
   * instead of `(value)`, so keys used together in one script share a slot.
   * @default undefined (no hash tag)
   */
  slot?: ParamName<T>
  /** Free text for `describe()` and the generated key table. @default undefined */
  description?: string
  /**
   * Whether readers with an in-process tier (`@hotpath/cache` with `l1`) keep this key's
   * values in process memory: `false` keeps a key out (say, a value that must be seen the
   * moment another app writes it over HTTP), `true` opts it in where L1 is opt-in.
   * @default undefined (the reader's own default)
   */
  l1?: boolean
}

const SPEC = Symbol.for('@hotpath/keys.spec')

/** An unnamed key definition, as returned by `key()`; `defineKeys()` names it. */
export type KeySpec<T extends string = string, V = unknown> = {
  readonly template: T
  readonly options: KeyOptions<T, V>
  /** Phantom: carries the value type from the schema. Never set at runtime. */
  readonly '~value'?: V
}

export function isKeySpec(value: unknown): value is KeySpec {
  return typeof value === 'object' && value !== null && SPEC in value
}

/**
 * Declares a key template. `{name}` marks a parameter; everything else is literal.
 * The builder takes `{ name: string | number }` per parameter, or nothing at all when
 * the template has none.
 */
export function key<const T extends string, V = unknown>(
  template: T,
  options: KeyOptions<T, V> = {},
): KeySpec<T, V> {
  return { template, options, [SPEC]: true } as KeySpec<T, V>
}

type Builder<T extends string, V> = [ParamName<T>] extends [never]
  ? () => KeyRef<V, T>
  : { bivarianceHack(params: KeyParams<T>): KeyRef<V, T> }['bivarianceHack']

/** A named, prefixed template: call it to build a key, read its options as properties. */
export type KeyDefinition<T extends string = string, V = unknown> = Builder<T, V> & {
  /** The property name under `registry.keys`. */
  readonly name: string
  readonly template: T
  /** The registry prefix this definition builds under ('' for none). */
  readonly prefix: string
  readonly params: readonly ParamName<T>[]
  /** Seconds, before jitter. */
  readonly ttl: number | undefined
  readonly jitter: number
  readonly version: number | undefined
  readonly slot: ParamName<T> | undefined
  readonly description: string | undefined
  readonly schema: StandardSchemaV1<unknown, V> | undefined
  /** Whether an in-process tier may keep this key; `undefined` leaves it to the reader. */
  readonly l1: boolean | undefined
  /** Tags for a parameter set (what `KeyRef.tags` holds). */
  tagsOf(params: ParsedParams<T>): string[]
  /** Redis SCAN glob that matches every key of this template and no key of another. */
  pattern(): string
}

/** One built key. `${ref}` is the full key string. */
export type KeyRef<V = unknown, T extends string = string> = {
  readonly key: string
  readonly name: string
  readonly params: ParsedParams<T>
  /** Seconds, before jitter: readers call `ttlWithJitter(ref)`. */
  readonly ttl: number | undefined
  readonly tags: string[]
  readonly definition: KeyDefinition<T, V>
  toString(): string
}

class BuiltKey {
  constructor(
    readonly key: string,
    readonly name: string,
    readonly params: Record<string, string>,
    readonly ttl: number | undefined,
    readonly tags: string[],
    readonly definition: KeyDefinition,
  ) {}

  toString(): string {
    return this.key
  }
}

/**
 * The shape of a definition as the registry sees it: literal pieces around bracketed
 * parameters. Two definitions collide exactly when their skeletons are equal.
 */
export type KeyShape = {
  readonly literals: readonly string[]
  readonly opens: readonly string[]
  readonly closes: readonly string[]
  /** The key with every parameter value removed, e.g. `app:user:tier:()`. */
  readonly skeleton: string
  readonly tagsDerived: boolean
}

const SHAPES = new WeakMap<KeyDefinition, KeyShape>()

export function shapeOf(definition: KeyDefinition): KeyShape {
  const shape = SHAPES.get(definition)
  if (!shape) throw new KeyError('E_OPTION_INVALID', 'not a key definition from defineKeys()')
  return shape
}

/** Whole seconds: Redis `EX` takes no fraction, so one is refused rather than rounded. */
function ttlSeconds(ttl: Duration | number | undefined, where: string): number | undefined {
  if (ttl === undefined) return undefined
  const ms = parseDuration(ttl, `${where}: ttl`, { number: 's', min: 1000, error: KeyError })
  if (ms % 1000 !== 0 || !Number.isSafeInteger(ms / 1000)) {
    throw new KeyError(
      'E_OPTION_INVALID',
      `${where}: ttl must be whole seconds (Redis EX takes no fraction); got ${JSON.stringify(ttl)}`,
    )
  }
  return ms / 1000
}

export function normalisePrefix(prefix: string, option = 'prefix'): string {
  if (typeof prefix !== 'string') {
    throw new KeyError('E_OPTION_INVALID', `${option} must be a string`)
  }
  const trimmed = prefix.replace(/:+$/, '')
  assertLiteral(trimmed, `${option} '${prefix}'`, 'E_OPTION_INVALID')
  return trimmed
}

export function createDefinition(name: string, spec: KeySpec, prefix: string): KeyDefinition {
  const { template, options } = spec
  const where = `key "${name}" ('${template}')`
  const { literals: rawLiterals, params } = compileTemplate(template)
  const ttl = ttlSeconds(options.ttl, where)
  const jitter = options.jitter ?? 0
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) {
    throw new KeyError('E_OPTION_INVALID', `${where}: jitter must be a number in [0, 1)`)
  }
  if (jitter > 0 && ttl === undefined) {
    throw new KeyError('E_OPTION_INVALID', `${where}: jitter needs a ttl`)
  }
  const { version, slot, description, schema, l1 } = options
  if (l1 !== undefined && typeof l1 !== 'boolean') {
    throw new KeyError('E_OPTION_INVALID', `${where}: l1 must be true or false`)
  }
  if (version !== undefined && !(Number.isSafeInteger(version) && version > 0)) {
    throw new KeyError('E_OPTION_INVALID', `${where}: version must be a positive integer`)
  }
  if (slot !== undefined && !params.includes(slot)) {
    throw new KeyError(
      'E_OPTION_INVALID',
      `${where}: slot "${String(slot)}" is not one of its parameters (${params.join(', ') || 'none'})`,
    )
  }
  if (description !== undefined && typeof description !== 'string') {
    throw new KeyError('E_OPTION_INVALID', `${where}: description must be a string`)
  }
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new KeyError('E_OPTION_INVALID', `${where}: schema must implement Standard Schema v1`)
  }
  const tagsOf = tagsFunction(where, options.tags)

  const literals = [...rawLiterals]
  if (prefix !== '') literals[0] = `${prefix}:${literals[0]}`
  if (version !== undefined) literals[literals.length - 1] += `:v${version}`
  const opens = params.map((p) => (p === slot ? '{' : '('))
  const closes = params.map((p) => (p === slot ? '}' : ')'))
  let skeleton = literals[0]!
  let glob = literals[0]!
  for (let i = 0; i < params.length; i++) {
    skeleton += opens[i]! + closes[i]! + literals[i + 1]!
    glob += `${opens[i]!}*${closes[i]!}${literals[i + 1]!}`
  }

  const count = params.length
  const build = (input?: Record<string, unknown>): KeyRef => {
    if (count > 0 && (typeof input !== 'object' || input === null)) {
      throw new KeyError('E_KEY_PARAM_MISSING', `${where} needs parameters: ${params.join(', ')}`)
    }
    let key = literals[0]!
    const values: Record<string, string> = {}
    for (let i = 0; i < count; i++) {
      const param = params[i]!
      // Own properties only: `{}.constructor` and `{}.toString` are Object.prototype's, not passed.
      const raw = Object.hasOwn(input as object, param)
        ? (input as Record<string, unknown>)[param]
        : undefined
      if (raw === undefined) {
        throw new KeyError('E_KEY_PARAM_MISSING', `${where}: parameter "${param}" is missing`)
      }
      key += opens[i]! + encodeParam(param, raw) + closes[i]! + literals[i + 1]!
      values[param] = typeof raw === 'string' ? raw : String(raw)
    }
    if (input !== undefined && input !== null) {
      for (const given in input) {
        if (Object.hasOwn(input, given) && !Object.hasOwn(values, given)) {
          throw new KeyError('E_KEY_PARAM_UNKNOWN', `${where} has no parameter "${given}"`)
        }
      }
    }
    return new BuiltKey(key, name, values, ttl, tagsOf(values), definition)
  }

  const definition = Object.defineProperties(build, {
    name: { value: name, enumerable: true },
    template: { value: template, enumerable: true },
    prefix: { value: prefix, enumerable: true },
    params: { value: Object.freeze([...params]), enumerable: true },
    ttl: { value: ttl, enumerable: true },
    jitter: { value: jitter, enumerable: true },
    version: { value: version, enumerable: true },
    slot: { value: slot, enumerable: true },
    description: { value: description, enumerable: true },
    schema: { value: schema, enumerable: true },
    l1: { value: l1, enumerable: true },
    tagsOf: { value: tagsOf },
    pattern: { value: () => glob },
  }) as unknown as KeyDefinition
  SHAPES.set(definition, {
    literals,
    opens,
    closes,
    skeleton,
    tagsDerived: typeof options.tags === 'function',
  })
  return definition
}

function tagsFunction(
  where: string,
  tags: KeyOptions['tags'],
): (params: Record<string, string>) => string[] {
  if (tags === undefined) return () => []
  if (typeof tags === 'function') {
    return (params) => {
      const derived = tags(params)
      assertTags(where, derived)
      return [...derived]
    }
  }
  assertTags(where, tags)
  const fixed = [...tags]
  return () => [...fixed]
}

function assertTags(where: string, tags: unknown): asserts tags is readonly string[] {
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string' || tag === '')) {
    throw new KeyError('E_OPTION_INVALID', `${where}: tags must be non-empty strings`)
  }
}

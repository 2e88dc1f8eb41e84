import { KeyError } from './errors'
import { decodeParam } from './escape'
import {
  createDefinition,
  isKeySpec,
  type KeyDefinition,
  type KeyShape,
  type KeySpec,
  normalisePrefix,
  shapeOf,
} from './key'
import type { ParsedParams } from './template'

export type DefineKeysOptions = {
  /**
   * Prepended to every key with a `:` (a trailing `:` is dropped), so several apps or
   * environments can share one Redis: `'shop:prod'` → `shop:prod:user:tier:(42)`.
   * Pass `''` to opt out of the environment variable.
   * @default process.env.HOTPATH_KEY_PREFIX, else '' (no prefix)
   */
  prefix?: string
  /**
   * A segment after the prefix, for a package or one of its instances that owns a part of the
   * app's key space (`{ namespace: 'api:rl' }` → `shop:prod:api:rl:fw:…`). Unlike `prefix`
   * it never replaces the environment variable, so the app's prefix is applied here, once, for
   * every package.
   * @default '' (none)
   */
  namespace?: string
}

export type KeySpecs = Record<string, KeySpec<string, unknown>>
export type KeyDefinitions = Record<string, KeyDefinition>

/** The definitions `defineKeys(specs)` returns for a spec map. */
export type DefinitionsOf<S extends KeySpecs> = {
  readonly [K in keyof S]: S[K] extends KeySpec<infer T, infer V> ? KeyDefinition<T, V> : never
}

/** A parsed key: which definition built it, with its parameters (decoded). */
export type ParsedKey<D extends KeyDefinitions = KeyDefinitions> = {
  [K in keyof D & string]: {
    readonly name: K
    readonly params: ParsedParams<D[K]['template']>
    readonly definition: D[K]
  }
}[keyof D & string]

/** One row of `registry.describe()`. */
export type KeyRow = {
  readonly name: string
  readonly template: string
  /** The SCAN glob of the template, prefix included. */
  readonly pattern: string
  /** Seconds, before jitter; `null` when entries do not expire. */
  readonly ttl: number | null
  readonly jitter: number
  /** Static tags, or derived tags rendered with `{param}` placeholders. */
  readonly tags: readonly string[]
  readonly tagsDerived: boolean
  readonly version: number | null
  readonly slot: string | null
  /** The Standard Schema vendor (`'zod'`, `'valibot'`…) or `null`. */
  readonly schema: string | null
  readonly description: string | null
}

export type Registry<
  D extends KeyDefinitions = KeyDefinitions,
  // A separate parameter keeps `Registry` covariant, so any registry fits a plain `Registry`.
  P = ParsedKey<D>,
> = {
  /** The builders, by name: `registry.keys.userTier({ userId })`. */
  readonly keys: D
  /** The prefix `extend(specs)` builds new definitions under. */
  readonly prefix: string
  /** The definition that built `key` and its decoded parameters, or `null` for a foreign key. */
  parse(key: string): P | null
  /**
   * A new registry with more keys. New specs build under this registry's prefix; a whole
   * registry merges as-is (its own prefix kept). Throws `E_KEY_COLLISION` or
   * `E_KEY_PATTERN_OVERLAP` naming both definitions.
   */
  extend<D2 extends KeyDefinitions>(registry: Registry<D2>): Registry<D & D2>
  extend<S extends KeySpecs>(specs: S): Registry<D & DefinitionsOf<S>>
  /** One row per definition, in definition order. */
  describe(): KeyRow[]
}

const REGISTRY = Symbol.for('@hotpath/keys.registry')

function envPrefix(): string | undefined {
  // `process` is absent on some edge runtimes; the env variable is then simply not read.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env
  return env?.HOTPATH_KEY_PREFIX
}

/**
 * Names and checks a set of key specs. Throws at definition time, never at build time,
 * for anything decidable from the templates alone.
 */
export function defineKeys<const S extends KeySpecs>(
  specs: S,
  options: DefineKeysOptions = {},
): Registry<DefinitionsOf<S>> {
  const base = normalisePrefix(options.prefix ?? envPrefix() ?? '')
  const namespace =
    options.namespace === undefined ? '' : normalisePrefix(options.namespace, 'namespace')
  const prefix = base && namespace ? `${base}:${namespace}` : base || namespace
  return createRegistry(prefix, [], specs) as unknown as Registry<DefinitionsOf<S>>
}

function createRegistry(
  prefix: string,
  inherited: readonly KeyDefinition[],
  specs: KeySpecs,
): Registry {
  const definitions = [...inherited]
  for (const [name, spec] of Object.entries(specs)) {
    if (!isKeySpec(spec)) {
      throw new KeyError('E_KEY_TEMPLATE_INVALID', `key "${name}" must be declared with key('…')`)
    }
    definitions.push(createDefinition(name, spec, prefix))
  }
  return registryOf(prefix, definitions)
}

function registryOf(prefix: string, definitions: readonly KeyDefinition[]): Registry {
  const byName = new Map<string, KeyDefinition>()
  const bySkeleton = new Map<string, KeyDefinition>()
  for (const definition of definitions) {
    const sameName = byName.get(definition.name)
    if (sameName) {
      throw new KeyError(
        'E_KEY_COLLISION',
        `key name "${definition.name}" is defined twice: ${label(sameName)} and ${label(definition)}`,
      )
    }
    byName.set(definition.name, definition)
    const { skeleton } = shapeOf(definition)
    const sameShape = bySkeleton.get(skeleton)
    if (sameShape) {
      throw new KeyError(
        'E_KEY_COLLISION',
        `keys ${label(sameShape)} and ${label(definition)} can build the same key (both are '${skeleton}' around their parameters)`,
      )
    }
    bySkeleton.set(skeleton, definition)
  }
  assertNoPatternOverlap(definitions)

  const keys = Object.freeze(Object.fromEntries(definitions.map((d) => [d.name, d])))
  const registry: Registry = {
    keys,
    prefix,
    parse: (key) => parseKey(bySkeleton, key),
    extend: ((more: Registry | KeySpecs) =>
      isRegistry(more)
        ? registryOf(prefix, [...definitions, ...Object.values(more.keys)])
        : createRegistry(prefix, definitions, more)) as Registry['extend'],
    describe: () => definitions.map(describeDefinition),
  }
  Object.defineProperty(registry, REGISTRY, { value: true })
  return Object.freeze(registry)
}

function isRegistry(value: unknown): value is Registry {
  return typeof value === 'object' && value !== null && REGISTRY in value
}

function label(definition: KeyDefinition): string {
  const where = definition.prefix === '' ? '' : ` under prefix '${definition.prefix}'`
  return `"${definition.name}" ('${definition.template}'${where})`
}

/**
 * A glob `L0(*)L1(*)…Lk` can only anchor its pieces at bracket characters, which literals
 * never contain and encoded values never contain, so it matches a key of another shape
 * exactly when that shape has more parameters, the same first piece `L0(`, the same last
 * piece `)Lk`, and the middle pieces `)Li(` in order among its own. Such pairs are refused:
 * a SCAN over one template must never return, and let a caller delete, keys of another.
 */
function assertNoPatternOverlap(definitions: readonly KeyDefinition[]): void {
  const pieces = definitions
    .filter((d) => d.params.length > 0)
    .map((definition) => ({ definition, ...piecesOf(shapeOf(definition)) }))
  for (const a of pieces) {
    for (const b of pieces) {
      if (b.middle.length <= a.middle.length) continue
      if (a.first !== b.first || a.last !== b.last) continue
      if (isSubsequence(a.middle, b.middle)) {
        throw new KeyError(
          'E_KEY_PATTERN_OVERLAP',
          `the SCAN pattern of ${label(a.definition)}, '${a.definition.pattern()}', also matches keys of ${label(b.definition)}; end one of the templates with a literal segment (e.g. '${a.definition.template}:data')`,
        )
      }
    }
  }
}

function isSubsequence(needle: readonly string[], haystack: readonly string[]): boolean {
  let j = 0
  for (const piece of needle) {
    while (j < haystack.length && haystack[j] !== piece) j++
    if (j === haystack.length) return false
    j++
  }
  return true
}

function piecesOf(shape: KeyShape): { first: string; last: string; middle: string[] } {
  const { literals, opens, closes } = shape
  const k = opens.length
  const middle: string[] = []
  for (let i = 1; i < k; i++) middle.push(closes[i - 1]! + literals[i]! + opens[i]!)
  return { first: literals[0]! + opens[0]!, last: closes[k - 1]! + literals[k]!, middle }
}

const CLOSE_OF: Record<string, string> = { '(': ')', '{': '}' }

function parseKey(bySkeleton: ReadonlyMap<string, KeyDefinition>, key: string): ParsedKey | null {
  if (typeof key !== 'string') return null
  let skeleton = ''
  const encoded: string[] = []
  let at = 0
  for (;;) {
    const open = indexOfOpen(key, at)
    if (open === -1) {
      const tail = key.slice(at)
      if (/[)}]/.test(tail)) return null
      skeleton += tail
      break
    }
    const head = key.slice(at, open)
    if (/[)}]/.test(head)) return null
    const opener = key[open]!
    const closer = CLOSE_OF[opener]!
    const close = key.indexOf(closer, open + 1)
    if (close === -1) return null
    encoded.push(key.slice(open + 1, close))
    skeleton += head + opener + closer
    at = close + 1
  }
  const definition = bySkeleton.get(skeleton)
  if (!definition) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < encoded.length; i++) {
    const value = decodeParam(encoded[i]!)
    if (value === undefined) return null
    params[definition.params[i]!] = value
  }
  return { name: definition.name, params, definition }
}

function indexOfOpen(key: string, from: number): number {
  const paren = key.indexOf('(', from)
  const brace = key.indexOf('{', from)
  if (paren === -1) return brace
  if (brace === -1) return paren
  return Math.min(paren, brace)
}

function describeDefinition(definition: KeyDefinition): KeyRow {
  const placeholders = Object.fromEntries(definition.params.map((p) => [p, `{${p}}`]))
  let tags: string[]
  try {
    tags = definition.tagsOf(placeholders)
  } catch {
    tags = []
  }
  return {
    name: definition.name,
    template: definition.template,
    pattern: definition.pattern(),
    ttl: definition.ttl ?? null,
    jitter: definition.jitter,
    tags,
    tagsDerived: shapeOf(definition).tagsDerived,
    version: definition.version ?? null,
    slot: definition.slot ?? null,
    schema: definition.schema?.['~standard'].vendor ?? null,
    description: definition.description ?? null,
  }
}

import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { KeyDefinition, KeyRef } from './key'

type Target<V> = KeyDefinition<string, V> | KeyRef<V>

function definitionOf<V>(target: Target<V>): KeyDefinition<string, V> {
  return typeof target === 'function' ? target : target.definition
}

/**
 * The TTL a writer should use for one write: the definition's ttl moved by up to
 * ± jitter × ttl, rounded to whole seconds and never below 1. `undefined` when the key
 * does not expire.
 *
 * @param random source in [0, 1); injectable so callers can make writes deterministic.
 */
export function ttlWithJitter(
  target: Target<unknown>,
  random: () => number = Math.random,
): number | undefined {
  const { ttl, jitter } = definitionOf(target)
  if (ttl === undefined || jitter === 0) return ttl
  const spread = ttl * jitter * (2 * random() - 1)
  return Math.max(1, Math.round(ttl + spread))
}

export type ValidationResult<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly issues: readonly StandardSchemaV1.Issue[] }

/**
 * Checks a value read from Redis against the definition's schema. A failed check is
 * data (`{ ok: false, issues }`), not an exception: a reader treats it as a miss. Without
 * a schema the value passes unchanged. Always async because a Standard Schema may be.
 */
export async function validate<V>(target: Target<V>, value: unknown): Promise<ValidationResult<V>> {
  const { schema } = definitionOf(target)
  if (schema === undefined) return { ok: true, value: value as V }
  const result = await schema['~standard'].validate(value)
  return result.issues === undefined
    ? { ok: true, value: result.value }
    : { ok: false, issues: result.issues }
}

/**
 * The part of Standard Schema v1 (zod, valibot, arktype…) the cache calls, declared here
 * so the cache depends on no schema library.
 */
export type SchemaLike<T = unknown> = {
  readonly '~standard': {
    validate(
      value: unknown,
    ):
      | { value: T; issues?: undefined }
      | { issues: readonly unknown[] }
      | Promise<{ value: T; issues?: undefined } | { issues: readonly unknown[] }>
  }
}

export async function validate<T>(
  schema: SchemaLike<T>,
  value: unknown,
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    const result = await schema['~standard'].validate(value)
    if (result.issues) return { ok: false }
    return { ok: true, value: (result as { value: T }).value }
  } catch {
    return { ok: false }
  }
}

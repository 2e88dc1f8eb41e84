/**
 * `LOG_LEVEL=debug` (any case) turns on the packages' debug lines. Read through `globalThis`
 * so edge runtimes without `process` get `false` instead of a ReferenceError.
 */
export function debugFromEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env
  return env?.LOG_LEVEL?.trim().toLowerCase() === 'debug'
}

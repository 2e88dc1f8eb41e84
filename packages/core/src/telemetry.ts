/**
 * The seam every hotpath package reports through. Nothing is recorded until an implementation
 * is installed (`enableOpenTelemetry()` from `@hotpath/core/otel`, or your own), so a package
 * pays one property read per operation when telemetry is off.
 */
export type Attributes = Record<string, string | number | boolean | undefined>

export type SpanHandle = {
  setAttributes(attributes: Attributes): void
  /** Ends the span; with `error`, marks it failed and records `error.type`. */
  end(error?: unknown): void
}

export type Telemetry = {
  /** A span around one operation; `client` for calls to Redis, `internal` for the packages' own work. */
  span(name: string, kind: 'client' | 'internal', attributes: Attributes): SpanHandle
  /** Adds to a counter (`hotpath.cache.reads`, `hotpath.ratelimit.decisions`…). */
  count(metric: string, value: number, attributes: Attributes): void
  /** Records a duration in seconds on a histogram (`db.client.operation.duration`). */
  duration(metric: string, seconds: number, attributes: Attributes): void
  /** Whether keys may appear in attributes (they can carry user ids). */
  readonly includeKeys: boolean
}

// One registry per process across every copy of this package (ESM and CJS builds, or two
// versions in one app): a registered symbol on globalThis, as the OpenTelemetry API does.
const SLOT = Symbol.for('hotpath.telemetry')
type Slot = { current: Telemetry | undefined }
const registry = globalThis as Record<symbol, Slot | undefined>
const slot: Slot = registry[SLOT] ?? { current: undefined }
registry[SLOT] = slot

/** Installs (or, with `undefined`, removes) the process-wide telemetry. */
export function setTelemetry(telemetry: Telemetry | undefined): void {
  slot.current = telemetry
}

/** The installed telemetry, or undefined when it is off (the fast path). */
export function telemetry(): Telemetry | undefined {
  return slot.current
}

export {
  DURATION_FORMS,
  type Duration,
  type DurationRules,
  type DurationUnit,
  parseDuration,
} from './duration'
export { HotpathError, isHotpathError } from './errors'
export { debugFromEnv } from './log-level'
export type { Attributes, SpanHandle, Telemetry } from './telemetry'
export { setTelemetry, telemetry } from './telemetry'

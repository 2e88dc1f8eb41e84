import {
  type Counter,
  type Histogram,
  metrics,
  type Attributes as OtelAttributes,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { type Attributes, setTelemetry, type Telemetry } from './telemetry'

export type OpenTelemetryOptions = {
  /** Put keys (`db.query.text` of single-key commands, cache keys) in attributes. Keys can carry user ids. @default false */
  includeKeys?: boolean
  /** Instrumentation scope name of the tracer and meter. @default '@hotpath' */
  name?: string
}

// Buckets of the stable `db.client.operation.duration` histogram, in seconds.
const DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5]

function clean(attributes: Attributes): OtelAttributes {
  const out: OtelAttributes = {}
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) out[name] = value
  return out
}

function errorType(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  return error instanceof Error ? error.name : 'Error'
}

/**
 * Reports every hotpath package through `@opentelemetry/api`: the tracer and meter providers
 * the app registered (its SDK, its exporters). Returns a function that turns it off again.
 */
export function enableOpenTelemetry(options: OpenTelemetryOptions = {}): () => void {
  const name = options.name ?? '@hotpath'
  const tracer = trace.getTracer(name)
  const meter = metrics.getMeter(name)
  const counters = new Map<string, Counter>()
  const histograms = new Map<string, Histogram>()
  const implementation: Telemetry = {
    includeKeys: options.includeKeys ?? false,
    span(spanName, kind, attributes) {
      const span = tracer.startSpan(spanName, {
        kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
        attributes: clean(attributes),
      })
      return {
        setAttributes: (more) => {
          span.setAttributes(clean(more))
        },
        end: (error) => {
          if (error !== undefined) {
            span.setAttribute('error.type', errorType(error))
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: error instanceof Error ? error.message : String(error),
            })
          }
          span.end()
        },
      }
    },
    count(metric, value, attributes) {
      let counter = counters.get(metric)
      if (!counter) {
        counter = meter.createCounter(metric)
        counters.set(metric, counter)
      }
      counter.add(value, clean(attributes))
    },
    duration(metric, seconds, attributes) {
      let histogram = histograms.get(metric)
      if (!histogram) {
        histogram = meter.createHistogram(metric, {
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        })
        histograms.set(metric, histogram)
      }
      histogram.record(seconds, clean(attributes))
    },
  }
  setTelemetry(implementation)
  return () => setTelemetry(undefined)
}

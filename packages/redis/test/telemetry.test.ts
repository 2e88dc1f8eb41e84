import { enableOpenTelemetry } from '@hotpath/core/otel'
import { redisTargets } from '@hotpath/test-redis'
import { metrics, trace } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTcpRedis } from '../src/drivers/tcp'

const spans = new InMemorySpanExporter()
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 60_000,
})
let disable: () => void = () => {}

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  )
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
})
afterEach(() => {
  disable()
  spans.reset()
})
afterAll(() => {
  trace.disable()
  metrics.disable()
})

const run = `otel:${Math.random().toString(36).slice(2, 8)}`

describe('OpenTelemetry through @hotpath/core/otel', () => {
  it('one CLIENT span per command with the stable database attributes, and no key or value', async () => {
    disable = enableOpenTelemetry()
    const redis = createTcpRedis({ url: redisTargets().standalone.url })
    await redis.set(`${run}:user:42`, 'secret-value')
    await redis.get(`${run}:user:42`)
    await redis.close()
    const finished = spans.getFinishedSpans()
    expect(finished.map((s) => s.name)).toEqual(['SET', 'GET'])
    const get = finished[1]
    expect(get?.kind).toBe(2) // SpanKind.CLIENT
    expect(get?.attributes).toMatchObject({
      'db.system.name': 'redis',
      'db.operation.name': 'GET',
      'db.query.summary': 'GET',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(redisTargets().standalone.url).port),
    })
    const text = JSON.stringify(finished.map((s) => s.attributes))
    expect(text).not.toContain('user:42')
    expect(text).not.toContain('secret-value')
  })

  it('a pipeline is one span with its batch size; a failed command marks its span and names the code', async () => {
    disable = enableOpenTelemetry()
    const redis = createTcpRedis({ url: redisTargets().standalone.url })
    await redis.pipeline([
      ['SET', `${run}:a`, '1'],
      ['GET', `${run}:a`],
      ['GET', `${run}:b`],
    ])
    await redis.hset(`${run}:h`, { f: 'v' })
    await redis.incr(`${run}:h`).catch(() => {})
    await redis.close()
    const [pipeline, , incr] = spans.getFinishedSpans()
    expect(pipeline?.name).toBe('PIPELINE')
    expect(pipeline?.attributes['db.operation.batch.size']).toBe(3)
    expect(incr?.name).toBe('INCR')
    expect(incr?.status.code).toBe(2) // SpanStatusCode.ERROR
    expect(incr?.attributes['error.type']).toBe('E_COMMAND')
  })

  it('with includeKeys, db.query.text carries the command and its first key', async () => {
    disable = enableOpenTelemetry({ includeKeys: true })
    const redis = createTcpRedis({ url: redisTargets().standalone.url })
    await redis.get(`${run}:k`)
    await redis.close()
    expect(spans.getFinishedSpans()[0]?.attributes['db.query.text']).toBe(`GET ${run}:k`)
  })

  it('records db.client.operation.duration in seconds per operation', async () => {
    disable = enableOpenTelemetry()
    const redis = createTcpRedis({ url: redisTargets().standalone.url })
    for (let i = 0; i < 5; i++) await redis.get(`${run}:m`)
    await redis.close()
    await reader.forceFlush()
    const all = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
    const duration = all.find((m) => m.descriptor.name === 'db.client.operation.duration')
    expect(duration?.descriptor.unit).toBe('s')
    const get = duration?.dataPoints.find((p) => p.attributes['db.operation.name'] === 'GET')
    const value = get?.value as { count: number; sum: number } | undefined
    expect(value?.count).toBeGreaterThanOrEqual(5)
    expect(value?.sum).toBeGreaterThan(0)
    expect(value?.sum).toBeLessThan(5)
  })

  it('records nothing once turned off', async () => {
    enableOpenTelemetry()()
    const redis = createTcpRedis({ url: redisTargets().standalone.url })
    await redis.get(`${run}:off`)
    await redis.close()
    expect(spans.getFinishedSpans()).toEqual([])
  })
})

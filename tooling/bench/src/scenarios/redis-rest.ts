import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createHttpRedis, type HttpRedisOptions } from '@hotpath/redis/http'
import { createTcpRedis } from '@hotpath/redis/tcp'
import { startRestServer } from '@hotpath/redis-rest/node'
import { Redis } from '@upstash/redis'
import { measureConcurrent, type Row, ratio, round, type Scenario } from '../scenario.ts'

const KEY = 'bench:redis-rest:key'
const TOKEN = 'bench-token'
const CONCURRENCY = 50
const ANCHOR = 'GET tcp driver (anchor)'
const SEPARATE = 'GET SDK + redis-rest, server in own process'
const IN_PROCESS = 'GET SDK + redis-rest, server in bench process'
const PER_REQUEST = 'GET SDK without auto-pipelining + redis-rest, own process'
const FLOOR = 'GET SDK + canned-reply HTTP server (HTTP floor, no Redis)'
const HTTP_SEPARATE = 'GET http driver + redis-rest, server in own process'
const HTTP_IN_PROCESS = 'GET http driver + redis-rest, server in bench process'
const HTTP_FETCH = 'GET http driver on global fetch (no undici) + redis-rest, own process'
const HTTP_BASE64 = 'GET http driver, Upstash-Encoding: base64 + redis-rest, own process'
const HTTP_PER_REQUEST = 'GET http driver without auto-pipelining + redis-rest, own process'
const HTTP_FLOOR = 'GET http driver + canned-reply HTTP server (HTTP floor, no Redis)'
const CPU_SDK = 'CPU per single-command request, SDK, canned server in own process'
const CPU_HTTP = 'CPU per single-command request, http driver, canned server in own process'
const CPU_HTTP_FETCH =
  'CPU per single-command request, http driver on fetch, canned server in own process'

function sdk(url: string, enableAutoPipelining = false): Redis {
  return new Redis({
    url,
    token: TOKEN,
    enableTelemetry: false,
    retry: false,
    enableAutoPipelining,
  })
}

/** The CLI in its own process, as the server runs in production (tsx runs the source). */
export async function startCliServer(
  redisUrl: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.resolve('@hotpath/redis-rest/node')))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, '--port', '0', '--redis', redisUrl],
    {
      env: { ...process.env, HOTPATH_REST_TOKEN: TOKEN, HOTPATH_REST_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const match = / ready on (http:\/\/\S+)/.exec(out)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`hotpath-redis-rest exited with ${code}`)))
  })
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/**
 * The cost of HTTP alone: a node:http server that answers every request with canned
 * replies (one `{result}` per command of a /pipeline body) and never touches Redis.
 */
// base64 when the client asks for it (the SDK's default), plain JSON otherwise
function cannedHandler(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
) {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    const count = req.url === '/pipeline' ? (JSON.parse(body) as unknown[]).length : 0
    const reply =
      req.headers['upstash-encoding'] === 'base64' ? '{"result":"dmFsdWU="}' : '{"result":"value"}'
    res.setHeader('content-type', 'application/json')
    res.end(count ? `[${Array.from({ length: count }, () => reply).join(',')}]` : reply)
  })
}

async function startCannedServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(cannedHandler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

/** The same canned server in a child process, so the bench process's CPU is the client's alone. */
async function startCannedProcess(): Promise<{ url: string; stop(): void }> {
  const source = `const { createServer } = require('node:http');
const handler = ${cannedHandler.toString()};
const server = createServer(handler);
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));`
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /port (\d+)/.exec(chunk.toString('utf8'))
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`canned server exited with ${code}`)))
  })
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') }
}

/** Client CPU (user + system) per call, in µs, over `durationMs` of 50 concurrent callers. */
async function cpuPerCall(fn: () => Promise<unknown>, durationMs: number): Promise<Row> {
  const before = process.cpuUsage()
  const row = await measureConcurrent(fn, { concurrency: CONCURRENCY, durationMs })
  const used = process.cpuUsage(before)
  return {
    ...row,
    name: '',
    cpuUsPerRequest: Math.round(((used.user + used.system) / Number(row.samples ?? 1)) * 10) / 10,
  }
}

/**
 * GET through the real @upstash/redis SDK and this server, against GET through the tcp
 * driver, on the same Redis with 50 concurrent callers. The server runs once in the
 * benchmark's process (sharing its CPU with the SDK) and once in its own process, as in
 * production. Also counts, at the server, the HTTP requests for 100 commands issued in
 * one tick by the SDK with auto-pipelining.
 */
const scenario: Scenario = {
  name: 'redis-rest',
  description:
    'GET via @upstash/redis + hotpath-redis-rest against GET via the tcp driver on the same Redis, 50 concurrent callers (req/s, p50/p99); HTTP requests for 100 auto-pipelined SDK commands.',
  async run({ redis: server, timeMs }) {
    const tcp = createTcpRedis(server.url)
    await tcp.set(KEY, 'value')
    const inProcess = await startRestServer({ redis: server.url, token: TOKEN, port: 0 })
    const separate = await startCliServer(server.url)
    // The SDK's defaults (auto-pipelining on since 1.35): concurrent calls share a request.
    const viaSeparate = sdk(separate.url, true)
    const viaInProcess = sdk(inProcess.url, true)
    // One HTTP request per GET: the server's per-request cost, undiluted.
    const perRequest = sdk(separate.url, false)
    const canned = await startCannedServer()
    const viaCanned = sdk(canned.url, true)
    for (const client of [viaInProcess, viaSeparate, perRequest]) {
      if ((await client.get(KEY)) !== 'value') throw new Error('the REST server did not answer GET')
    }
    const http = (url: string, options: Partial<HttpRedisOptions> = {}) =>
      createHttpRedis({ url, token: TOKEN, ...options })
    const httpSeparate = http(separate.url)
    const httpInProcess = http(inProcess.url)
    const httpFetch = http(separate.url, { fetch: globalThis.fetch })
    const httpBase64 = http(separate.url, { encoding: 'base64' })
    const httpPerRequest = http(separate.url, { autoPipeline: false })
    const httpCanned = http(canned.url)
    const httpClients = [
      httpSeparate,
      httpInProcess,
      httpFetch,
      httpBase64,
      httpPerRequest,
      httpCanned,
    ]
    for (const client of httpClients) {
      if ((await client.get(KEY)) !== 'value') throw new Error('the http driver did not answer GET')
    }

    const run = async (name: string, fn: () => Promise<unknown>): Promise<Row> => ({
      name,
      ...(await measureConcurrent(fn, { concurrency: CONCURRENCY, durationMs: timeMs })),
    })
    // Warm every path (JIT, keep-alive sockets) before measuring.
    for (const client of [viaInProcess, viaSeparate, perRequest, viaCanned, ...httpClients]) {
      await measureConcurrent(() => client.get(KEY), { concurrency: CONCURRENCY, durationMs: 300 })
    }
    const rows: Row[] = [
      await run(ANCHOR, () => tcp.get(KEY)),
      await run(SEPARATE, () => viaSeparate.get(KEY)),
      await run(IN_PROCESS, () => viaInProcess.get(KEY)),
      await run(PER_REQUEST, () => perRequest.get(KEY)),
      await run(FLOOR, () => viaCanned.get(KEY)),
      await run(HTTP_SEPARATE, () => httpSeparate.get(KEY)),
      await run(HTTP_IN_PROCESS, () => httpInProcess.get(KEY)),
      await run(HTTP_FETCH, () => httpFetch.get(KEY)),
      await run(HTTP_BASE64, () => httpBase64.get(KEY)),
      await run(HTTP_PER_REQUEST, () => httpPerRequest.get(KEY)),
      await run(HTTP_FLOOR, () => httpCanned.get(KEY)),
    ]

    // The headline ratio again, in alternating short blocks (tcp, http, tcp, http …): rows
    // measured seconds apart on a shared machine drift by ±30 %, blocks side by side do not.
    const paired: number[] = []
    const block = Math.max(250, Math.round(timeMs / 4))
    for (let round = 0; round < 6; round++) {
      const pair = round % 2 === 0 ? [tcp, httpSeparate] : [httpSeparate, tcp]
      const [first, second] = [
        await measureConcurrent(() => (pair[0] as typeof tcp).get(KEY), {
          concurrency: CONCURRENCY,
          durationMs: block,
        }),
        await measureConcurrent(() => (pair[1] as typeof tcp).get(KEY), {
          concurrency: CONCURRENCY,
          durationMs: block,
        }),
      ]
      const [tcpRow, httpRow] = round % 2 === 0 ? [first, second] : [second, first]
      paired.push(Number(httpRow.opsPerSec) / Number(tcpRow.opsPerSec))
    }
    paired.sort((a, b) => a - b)
    const pairedMedian = Math.round(((paired[2] as number) + (paired[3] as number)) * 500) / 1000

    // Client CPU per HTTP request carrying one command: no batching on either side, the
    // server in another process so its CPU is not counted.
    const cannedProcess = await startCannedProcess()
    const cpuClients: [string, { get(key: string): Promise<unknown>; close?(): Promise<void> }][] =
      [
        [CPU_SDK, sdk(cannedProcess.url, false)],
        [CPU_HTTP, http(cannedProcess.url, { autoPipeline: false })],
        [CPU_HTTP_FETCH, http(cannedProcess.url, { autoPipeline: false, fetch: globalThis.fetch })],
      ]
    for (const [, client] of cpuClients) {
      await measureConcurrent(() => client.get(KEY), { concurrency: CONCURRENCY, durationMs: 300 })
    }
    for (const [name, client] of cpuClients) {
      rows.push({ ...(await cpuPerCall(() => client.get(KEY), timeMs)), name })
    }
    cannedProcess.stop()

    const auto = sdk(inProcess.url, true)
    await auto.get(KEY)
    const before = inProcess.requests
    await Promise.all(Array.from({ length: 100 }, () => auto.get(KEY)))
    const autoRequests = inProcess.requests - before
    rows.push({ name: '100 commands in one tick, SDK auto-pipelining', httpRequests: autoRequests })

    await Promise.all([
      ...httpClients.map((c) => c.close()),
      ...cpuClients.map(([, c]) => c.close?.()),
    ])
    await inProcess.close()
    await separate.stop()
    await tcp.close()
    canned.server.close()
    const row = (name: string) => rows.find((r) => r.name === name)
    return {
      rows,
      ratios: {
        'SDK + redis-rest (own process) / tcp': ratio(row(SEPARATE), row(ANCHOR)),
        'SDK + redis-rest (bench process) / tcp': ratio(row(IN_PROCESS), row(ANCHOR)),
        'SDK without auto-pipelining + redis-rest / tcp': ratio(row(PER_REQUEST), row(ANCHOR)),
        'HTTP floor (canned replies) / tcp': ratio(row(FLOOR), row(ANCHOR)),
        'SDK + redis-rest (own process) / HTTP floor': ratio(row(SEPARATE), row(FLOOR)),
        'HTTP requests for 100 auto-pipelined commands': autoRequests,
        'http driver + redis-rest (own process) / tcp': ratio(row(HTTP_SEPARATE), row(ANCHOR)),
        'http driver + redis-rest (own process) / tcp, median of 6 alternating blocks':
          pairedMedian,
        'same, lowest block': round(paired[0] as number),
        'same, highest block': round(paired[5] as number),
        'http driver + redis-rest (bench process) / tcp': ratio(row(HTTP_IN_PROCESS), row(ANCHOR)),
        'http driver / SDK, both + redis-rest (own process)': ratio(
          row(HTTP_SEPARATE),
          row(SEPARATE),
        ),
        'http driver on fetch / on undici (own process)': ratio(
          row(HTTP_FETCH),
          row(HTTP_SEPARATE),
        ),
        'http driver base64 / json (own process)': ratio(row(HTTP_BASE64), row(HTTP_SEPARATE)),
        'http driver without auto-pipelining + redis-rest / tcp': ratio(
          row(HTTP_PER_REQUEST),
          row(ANCHOR),
        ),
        'http driver HTTP floor (canned replies) / tcp': ratio(row(HTTP_FLOOR), row(ANCHOR)),
        'CPU µs per single-command request, http driver / SDK':
          Math.round(
            ((row(CPU_HTTP)?.cpuUsPerRequest as number) /
              (row(CPU_SDK)?.cpuUsPerRequest as number)) *
              1000,
          ) / 1000,
      },
      goals: {
        'http driver + redis-rest (own process) / tcp': '>= 0.6',
        'http driver + redis-rest (own process) / tcp, median of 6 alternating blocks': '>= 0.6',
        'SDK + redis-rest (own process) / tcp': '>= 0.5',
        'HTTP requests for 100 auto-pipelined commands': '1',
      },
      notes: [
        `${CONCURRENCY} concurrent callers. The SDK with its defaults batches concurrent calls into /pipeline requests, as ioredis batches them on its socket; without auto-pipelining every GET is one HTTP request and the server coalesces the ${CONCURRENCY} in flight into Redis pipelines (ioredis auto-pipelining).`,
        'In the bench process the SDK, undici and the server share one core; in its own process the server has the second core, as when deployed.',
        'http driver rows: @hotpath/redis/http (undici Pool on Node, JSON replies unless noted), same callers and servers. CPU rows: process.cpuUsage() of the bench process (client only; the canned server runs in a child process) divided by requests, one command per request on both clients.',
        'The HTTP floor is the same SDK against a server that answers canned replies without Redis: what any REST server in front of Redis could reach from this client at best.',
      ],
    }
  },
}

export default scenario

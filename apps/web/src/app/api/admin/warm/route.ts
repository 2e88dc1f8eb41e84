import { timingSafeEqual } from 'node:crypto'
import { warmCache } from '@/lib/warm'

/** True when the bearer token equals HOTPATH_WARM_TOKEN (set by the stack script). */
function authorized(request: Request): boolean {
  const expected = process.env.HOTPATH_WARM_TOKEN
  const given = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''
  if (!expected) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Warms the cache inside the running server (the only process that may open an embedded
 * PGlite), streaming one NDJSON line per entry so `pnpm --filter web warm` shows progress.
 */
export async function POST(request: Request): Promise<Response> {
  if (!authorized(request)) return Response.json({ error: 'unauthorized' }, { status: 401 })
  const force = new URL(request.url).searchParams.get('force') === '1'
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (line: object) => controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`))
      try {
        const result = await warmCache({
          force,
          onProgress: (p) => send({ type: 'progress', ...p }),
        })
        send({
          type: 'done',
          total: result.total,
          loaded: result.loaded,
          fresh: result.fresh,
          failed: result.failed.map((f) => ({ key: f.key, error: String(f.error) })),
        })
      } catch (error) {
        send({ type: 'error', error: error instanceof Error ? error.message : String(error) })
      }
      controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } })
}

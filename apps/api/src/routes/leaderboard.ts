import { createRoute, z } from '@hono/zod-openapi'
import { type App, requireRedis, type Services, withRedis } from '../context.ts'
import { registry } from '../keys.ts'
import { commonErrors, unavailable } from '../schemas.ts'

const Board = z
  .string()
  .regex(/^[a-z0-9_-]{1,32}$/, 'lower-case letters, digits, _ and -, at most 32')
  .default('global')

const Entry = z.object({ rank: z.number().int(), player: z.string(), score: z.number() })

const getLeaderboard = createRoute({
  method: 'get',
  path: '/leaderboard',
  tags: ['leaderboard'],
  summary: 'The best players of a board, highest score first (ZRANGE … REV)',
  request: {
    query: z.object({ board: Board, limit: z.coerce.number().int().min(1).max(100).default(10) }),
  },
  responses: {
    200: {
      description: 'The top of the board',
      content: {
        'application/json': {
          schema: z.object({ board: z.string(), entries: z.array(Entry) }).openapi('Leaderboard'),
        },
      },
    },
    ...unavailable,
    ...commonErrors,
  },
})

const postScore = createRoute({
  method: 'post',
  path: '/scores',
  tags: ['leaderboard'],
  summary: "Add points to a player's score (ZINCRBY), or set it with mode `set` (ZADD)",
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              board: Board,
              player: z.string().trim().min(1).max(64),
              points: z.number().finite().min(-1e9).max(1e9),
              mode: z.enum(['incr', 'set']).default('incr'),
            })
            .strict()
            .openapi('Score'),
        },
      },
    },
  },
  responses: {
    200: {
      description: "The player's score and rank (1 = best) after the change",
      content: { 'application/json': { schema: Entry.extend({ board: z.string() }) } },
    },
    ...unavailable,
    ...commonErrors,
  },
})

export function leaderboardRoutes(app: App, { redis, cache }: Services): void {
  const board = (name: string) => cache.leaderboard(registry.keys.leaderboard({ board: name }))

  app.openapi(getLeaderboard, async (c) => {
    requireRedis(redis)
    const { board: name, limit } = c.req.valid('query')
    const rows = await withRedis(() => board(name).top(limit))
    return c.json(
      {
        board: name,
        entries: rows.map((r) => ({ rank: r.rank, player: r.member, score: r.score })),
      },
      200,
    )
  })

  app.openapi(postScore, async (c) => {
    requireRedis(redis)
    const { board: name, player, points, mode } = c.req.valid('json')
    const lb = board(name)
    const standing = await withRedis(async () => {
      if (mode === 'set') await lb.add(player, points)
      else await lb.incr(player, points)
      return lb.rank(player)
    })
    return c.json(
      { board: name, player, score: standing?.score ?? points, rank: standing?.rank ?? 0 },
      200,
    )
  })
}

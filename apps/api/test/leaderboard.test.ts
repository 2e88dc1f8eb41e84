import type { RedisClient } from '@hotpath/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../src/context.ts'
import type { Store } from '../src/db/store.ts'
import { build, call, connect, type Driver, freshIp, openTestStore } from './helpers.ts'

let store: Store
beforeAll(async () => {
  store = await openTestStore()
})
afterAll(async () => {
  await store.close()
})

describe.each<Driver>(['tcp', 'upstash'])('leaderboard over %s', (driver) => {
  let redis: RedisClient
  let close: () => Promise<void>
  let app: App
  beforeAll(async () => {
    ;({ redis, close } = await connect(driver))
    app = build(redis, store)
  })
  afterAll(async () => {
    await close()
  })

  const score = (json: unknown) => call(app, '/scores', { method: 'POST', json, ip: freshIp() })

  it('ranks players highest score first and adds points with POST /scores', async () => {
    const board = `b-${driver}-${Date.now()}`
    await score({ board, player: 'ada', points: 10 })
    await score({ board, player: 'linus', points: 30 })
    await score({ board, player: 'grace', points: 20 })
    const res = await score({ board, player: 'ada', points: 25 })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ board, player: 'ada', score: 35, rank: 1 })

    const top = await call(app, `/leaderboard?board=${board}&limit=2`, { ip: freshIp() })
    expect(await top.json()).toEqual({
      board,
      entries: [
        { rank: 1, player: 'ada', score: 35 },
        { rank: 2, player: 'linus', score: 30 },
      ],
    })
  })

  it('sets a score outright with mode "set"', async () => {
    const board = `s-${driver}-${Date.now()}`
    await score({ board, player: 'ada', points: 10 })
    const res = await score({ board, player: 'ada', points: 3, mode: 'set' })
    expect(await res.json()).toMatchObject({ score: 3, rank: 1 })
  })

  it('refuses a board name that is not a plain slug and a score that is not a number', async () => {
    const badBoard = await call(app, '/leaderboard?board=Bad*Board', { ip: freshIp() })
    expect(badBoard.status).toBe(400)
    const badScore = await score({ player: 'ada', points: 'lots' })
    expect(badScore.status).toBe(400)
    expect(await badScore.json()).toMatchObject({
      error: { code: 'E_VALIDATION', details: [{ path: 'json.points' }] },
    })
  })
})

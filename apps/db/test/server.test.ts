import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { DEMO_PRODUCTS } from '../src/seed'
import { startDatabaseServer } from '../src/server'

describe('startDatabaseServer()', () => {
  it('serves one migrated, seeded PGlite to several postgres.js pools, which see each other’s writes', async () => {
    process.env.HOTPATH_SEED_PAGE_VIEWS = '100'
    const server = await startDatabaseServer({ dataDir: 'memory://' })
    const web = postgres(server.url, { max: 4, onnotice: () => {} })
    const api = postgres(server.url, { max: 4, onnotice: () => {} })
    try {
      const rows = await api<{ id: string }[]>`select id from product order by id`
      expect(rows.map((r) => r.id)).toEqual(DEMO_PRODUCTS.map((p) => p.id).sort())
      await web`update product set name = ${'Renamed'} where id = ${'p-kettle'}`
      const [renamed] = await api<
        { name: string }[]
      >`select name from product where id = 'p-kettle'`
      expect(renamed?.name).toBe('Renamed')
      // A transaction on one pool is not interleaved with the other pool's statements.
      await Promise.all([
        web.begin(async (tx) => {
          await tx`update product set price_cents = price_cents + 1 where id = 'p-scale'`
          await tx`update product set price_cents = price_cents + 1 where id = 'p-scale'`
        }),
        ...Array.from({ length: 8 }, () => api`select count(*) from page_view`),
      ])
      const [scale] = await api<
        { price_cents: number }[]
      >`select price_cents from product where id = 'p-scale'`
      expect(scale?.price_cents).toBe(3502)
    } finally {
      await web.end()
      await api.end()
      await server.close()
    }
  })
})

import { createClient, type Transport } from '@hotpath/redis'
const which = process.argv[2]
const mod = await import(which === 'old' ? './src/index.ts' : '../src/index.ts')
function instantTransport(stored: Map<string, string>): Transport {
  const reply = (command: readonly (string | number)[]) =>
    Promise.resolve(command[0] === 'GET' ? (stored.get(String(command[1])) ?? null) : 'OK')
  return { driver: 'instant', send: reply,
    pipeline: async (commands) => (await Promise.all(commands.map(reply))).map((value) => ({ ok: true, value })),
    masters: async () => [reply], subscribe: async () => async () => {}, close: async () => {} } as Transport
}
const stored = new Map<string, string>()
const redis = createClient(instantTransport(stored))
const cache = mod.createCache({ redis })
const VALUE = { id: 42, name: 'Ada Lovelace', tier: 'pro', flags: ['beta', 'early'], score: 9.5 }
const writer = mod.createCache({ redis })
// store directly
const w = createClient({ ...instantTransport(stored), send: async (c: any) => { if (c[0]==='SET') stored.set(c[1], c[2]); return c[0]==='GET' ? stored.get(c[1]) ?? null : 'OK' } } as any)
await mod.createCache({ redis: w }).set('k', VALUE)
const loader = () => VALUE
const N = 200_000
const res: number[] = []
for (let r = 0; r < 9; r++) {
  const t = performance.now()
  for (let i = 0; i < N; i++) await cache.getOrSet('k', loader)
  res.push(((performance.now() - t) * 1000) / N)
}
res.sort((a, b) => a - b)
console.log(which, 'µs/hit median', res[4].toFixed(3), 'min', res[0].toFixed(3), JSON.stringify(cache.stats()))

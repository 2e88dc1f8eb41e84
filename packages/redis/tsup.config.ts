import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    './src/index.ts',
    './src/drivers/upstash.ts',
    './src/drivers/tcp.ts',
    './src/drivers/memory.ts',
    './src/testing/index.ts',
    './src/testing/count-round-trips.ts',
  ],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
})

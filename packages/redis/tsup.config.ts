import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    './src/index.ts',
    './src/drivers/http.ts',
    './src/drivers/upstash.ts',
    // the two halves of `#http-client`, chosen by the consumer's conditions, not at build time
    './src/transports/http-fetch.ts',
    './src/transports/http-undici.ts',
    './src/transports/socket-drivers.ts',
    './src/transports/socket-drivers-edge.ts',
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
  external: [/^#/],
})

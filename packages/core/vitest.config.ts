import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The catch-all test bundles every package's errors twice (ESM and CJS) before it runs.
    hookTimeout: 60_000,
    testTimeout: 20_000,
  },
})

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['@hotpath/test-redis/global-setup'],
    // A key prefix per test file: files share the harness's Redis and run in parallel.
    setupFiles: ['./test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})

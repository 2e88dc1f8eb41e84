import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Property tests run thousands of cases; on a loaded CI machine that can take seconds.
    testTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
})

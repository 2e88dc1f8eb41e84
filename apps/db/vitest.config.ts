import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Seeding runs real PGlite inserts; the test machine is shared, so bounds are generous.
  test: { testTimeout: 60_000 },
})

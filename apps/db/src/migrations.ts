import { fileURLToPath } from 'node:url'

/**
 * The drizzle migrations (`drizzle-kit generate` from src/schema.ts) that both apps apply at
 * start; applying them twice is a no-op, so either app may open a fresh database first.
 */
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url))

/**
 * Runs once when the server starts: open the database and apply migrations before the
 * first request, so a fresh checkout serves its first page with a ready schema.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  if (process.env.NEXT_PHASE === 'phase-production-build') return
  const { getDbHandle } = await import('./lib/db/client')
  await getDbHandle()
  const { preloadScripts } = await import('./lib/scripts')
  await preloadScripts().catch((error: unknown) => console.warn('script preload failed', error))
}

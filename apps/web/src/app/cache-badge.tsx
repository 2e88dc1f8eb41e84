/** Says whether a value came from Redis, so every page shows its cache at work. */
export function CacheBadge({ hit, ms }: { hit: boolean; ms?: number }) {
  return (
    <span
      className={`badge ${hit ? 'status-green' : 'status-yellow'}`}
      data-cache={hit ? 'hit' : 'miss'}
    >
      cache {hit ? 'HIT' : 'MISS'}
      {ms === undefined ? '' : ` · ${ms.toFixed(1)} ms`}
    </span>
  )
}

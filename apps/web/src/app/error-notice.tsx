type Search = Promise<Record<string, string | string[] | undefined>>

/** Shows `?error=` and `?ok=` messages that server actions redirect with. */
export async function ErrorNotice({ searchParams }: { searchParams: Search }) {
  const params = await searchParams
  const error = typeof params.error === 'string' ? params.error : undefined
  const ok = typeof params.ok === 'string' ? params.ok : undefined
  return (
    <>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {ok ? (
        <p className="notice ok" role="status">
          {ok}
        </p>
      ) : null}
    </>
  )
}

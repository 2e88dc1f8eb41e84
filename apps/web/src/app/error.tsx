'use client'

/** Shown when a page fails to render: a readable message, never a stack or an error code. */
export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="card status-page" role="alert">
      <p className="code">500</p>
      <h1>Something went wrong on our side</h1>
      <p className="muted">Nothing you did caused this. Try again in a moment.</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </section>
  )
}

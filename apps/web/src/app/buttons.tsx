'use client'

import { type ReactNode, useState } from 'react'
import { useFormStatus } from 'react-dom'

/** A submit button that is disabled and says so while its form's action runs. */
export function SubmitButton({ children, pending }: { children: ReactNode; pending: string }) {
  const status = useFormStatus()
  return (
    <button type="submit" disabled={status.pending} aria-busy={status.pending}>
      {status.pending ? pending : children}
    </button>
  )
}

/** Copies a value shown once (a new API key) to the clipboard. */
export function CopyButton({ value }: { value: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <button
      type="button"
      className="secondary"
      onClick={() =>
        navigator.clipboard.writeText(value).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  )
}

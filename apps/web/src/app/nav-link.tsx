'use client'

import Link from 'next/link'
import { usePathname } from 'next/navigation'
import type { ReactNode } from 'react'

/** A header link that marks the current section (aria-current), for sight and screen readers. */
export function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const pathname = usePathname()
  const current = pathname === href || (href !== '/' && pathname.startsWith(`${href}/`))
  return (
    <Link prefetch={false} href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  )
}

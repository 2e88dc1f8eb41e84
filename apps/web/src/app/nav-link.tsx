'use client'

import Link from 'next/link'
import { usePathname } from 'next/navigation'
import type { ReactNode } from 'react'

const LINKS = [
  { href: '/dashboard', label: 'Dashboard' },
  { href: '/products', label: 'Products' },
  { href: '/blog', label: 'Blog' },
  { href: '/account', label: 'Account' },
]

function isCurrent(pathname: string, href: string): boolean {
  return pathname === href || (href !== '/' && pathname.startsWith(`${href}/`))
}

/** The main navigation; `marked` sets aria-current on the current section. */
export function MainNav({ marked = false }: { marked?: boolean }) {
  return (
    <nav aria-label="Main">
      {LINKS.map((link) =>
        marked ? (
          <NavLink key={link.href} href={link.href}>
            {link.label}
          </NavLink>
        ) : (
          <Link key={link.href} prefetch={false} href={link.href}>
            {link.label}
          </Link>
        ),
      )}
    </nav>
  )
}

/** A link that marks the current section (aria-current), for sight and screen readers. */
export function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const current = isCurrent(usePathname(), href)
  return (
    <Link prefetch={false} href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  )
}

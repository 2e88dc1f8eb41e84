import type { Metadata } from 'next'
import Link from 'next/link'
import { type ReactNode, Suspense } from 'react'
import './globals.css'
import { NavLink } from './nav-link'
import { UserMenu } from './user-menu'

export const metadata: Metadata = {
  title: { default: 'hotpath reference app', template: '%s · hotpath' },
  description: 'Every hotpath pattern in a real Next.js page.',
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <Link prefetch={false} href="/" className="brand">
            hotpath
          </Link>
          <nav aria-label="Main">
            <NavLink href="/dashboard">Dashboard</NavLink>
            <NavLink href="/products">Products</NavLink>
            <NavLink href="/blog">Blog</NavLink>
            <NavLink href="/account">Account</NavLink>
          </nav>
          <Suspense fallback={<div className="user-menu" />}>
            <UserMenu />
          </Suspense>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}

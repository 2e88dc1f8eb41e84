import type { Metadata } from 'next'
import Link from 'next/link'
import { type ReactNode, Suspense } from 'react'
import './globals.css'
import { MainNav } from './nav-link'
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
          {/* The current-page mark needs the URL, known only at request time: the plain links
              are prerendered and the marked ones stream in. */}
          <Suspense fallback={<MainNav />}>
            <MainNav marked />
          </Suspense>
          <Suspense fallback={<div className="user-menu" />}>
            <UserMenu />
          </Suspense>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}

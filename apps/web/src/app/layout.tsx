import type { Metadata } from 'next'
import Link from 'next/link'
import type { ReactNode } from 'react'
import './globals.css'

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
          <nav>
            <Link prefetch={false} href="/dashboard">
              Dashboard
            </Link>
            <Link prefetch={false} href="/products">
              Products
            </Link>
            <Link prefetch={false} href="/blog">
              Blog
            </Link>
            <Link prefetch={false} href="/account">
              Account
            </Link>
            <Link prefetch={false} href="/account/sessions">
              Sessions
            </Link>
            <Link prefetch={false} href="/admin">
              Admin
            </Link>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}

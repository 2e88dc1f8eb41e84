import Link from 'next/link'
import { signOut } from '@/lib/actions/auth'
import { getSession } from '@/lib/session'
import { NavLink } from './nav-link'

/** The signed-in part of the header: admin navigation for admins only, the user, sign-out. */
export async function UserMenu() {
  const session = await getSession()
  if (!session) {
    return (
      <div className="user-menu">
        <Link prefetch={false} href="/sign-in">
          Sign in
        </Link>
        <Link prefetch={false} href="/sign-up" className="button">
          Sign up
        </Link>
      </div>
    )
  }
  return (
    <div className="user-menu">
      {session.user.role === 'admin' ? <NavLink href="/admin">Admin</NavLink> : null}
      <span className="who" data-testid="header-user" title={session.user.email}>
        {session.user.name || session.user.email}
      </span>
      <form action={signOut}>
        <button type="submit" className="link">
          Sign out
        </button>
      </form>
    </div>
  )
}

/** Where to go after signing in: a path of this site only, never another origin. */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) {
    return '/account'
  }
  if (value.includes('\\') || value.startsWith('/sign-in') || value.startsWith('/sign-up')) {
    return '/account'
  }
  return value
}

/** The sign-in page, asked to come back to `path` afterwards. */
export function signInUrl(path: string): string {
  return path === '/account' ? '/sign-in' : `/sign-in?${new URLSearchParams({ next: path })}`
}

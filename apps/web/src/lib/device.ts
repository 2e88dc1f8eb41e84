import Bowser from 'bowser'

/** "Chrome 131 on Linux" from a user agent; the raw string is no name a person recognises. */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device'
  const { browser, os, platform } = Bowser.parse(userAgent)
  const name = browser.name
    ? `${browser.name}${browser.version ? ` ${browser.version.split('.')[0]}` : ''}`
    : ''
  const system = os.name ?? platform.type ?? ''
  if (name && system) return `${name} on ${system}`
  return name || system || 'Unknown device'
}

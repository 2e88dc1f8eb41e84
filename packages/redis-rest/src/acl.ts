import { createHmac } from 'node:crypto'
import { READ_ONLY_COMMANDS, READ_ONLY_SUBCOMMANDS } from './commands'

/** Credentials of one Redis ACL user. */
export type AclUser = { username: string; password: string }

/**
 * How Redis itself enforces the deny list and the read-only token, so that a script's
 * `redis.call` cannot run what the request that started it may not.
 */
export type AclMode =
  /** Create the ACL users if the server's Redis user may; otherwise warn and check in code only. */
  | 'auto'
  /** As `'auto'`, but a Redis that will not create the users is an error, not a warning. */
  | 'require'
  /** No ACL users: the deny list binds requests, not scripts; read-only tokens run no scripts. */
  | 'off'
  /** Users the operator provisioned (see `aclRules`); the server connects as them. */
  | { readWrite: AclUser; readOnly?: AclUser }

/** Which tokens Redis enforces the policy for; the server checks the rest in code. */
export type AclEnforcement = { readWrite: boolean; readOnly: boolean }

/**
 * Commands the driver itself sends on every connection (the ready check's INFO, a
 * cluster's slot map, `/multi-exec`'s MULTI/EXEC, the `db` of a URL): allowed whatever the
 * deny list says, or the connection would not come up. The deny list still refuses them
 * over REST.
 */
const DRIVER_NEEDS = [
  'info',
  'ping',
  'select',
  'multi',
  'exec',
  'discard',
  'cluster|slots',
  'cluster|nodes',
  'cluster|shards',
  'cluster|info',
]

/** A deny-list entry as an ACL command name: `CLIENT KILL` → `client|kill`. */
function aclName(entry: string): string {
  return entry.trim().toLowerCase().split(/\s+/).join('|')
}

/**
 * The ACL rules (after `ACL SETUSER <name> reset on >password`) of the read-write or the
 * read-only user for a deny list: every command but the denied ones, or only the commands a
 * read-only token may run. Entries naming an option rather than a subcommand
 * (`XREAD BLOCK`) have no ACL form and stay checked in code (a script cannot block anyway).
 * `known` filters out names this Redis does not have (ACL SETUSER refuses them).
 */
export function aclRules(
  role: 'read-write' | 'read-only',
  denyList: readonly string[],
  known: (name: string) => boolean = () => true,
): string[] {
  const denied = aclDenied(denyList).filter(known)
  const base = ['~*', '&*']
  if (role === 'read-write') {
    return [...base, '+@all', ...denied.map((name) => `-${name}`), ...allowed(DRIVER_NEEDS)]
  }
  const reads = readOnlyAllowList().filter(known)
  return [
    ...base,
    '-@all',
    ...allowed(reads),
    ...denied.map((name) => `-${name}`),
    ...allowed(DRIVER_NEEDS),
  ]
}

/** What a read-only token may run, in ACL form (`get`, `script|exists`). */
export function readOnlyAllowList(): string[] {
  return [...READ_ONLY_COMMANDS, ...READ_ONLY_SUBCOMMANDS].map(aclName)
}

/** Commands whose deny-list qualifier is an option, not a subcommand ACL could name. */
const OPTION_QUALIFIED = new Set(['xread', 'xreadgroup'])

/** Deny-list entries in ACL form (`flushall`, `client|kill`); `XREAD BLOCK` has none. */
export function aclDenied(denyList: readonly string[]): string[] {
  return denyList.map(aclName).filter((name) => {
    const [command, qualifier] = name.split('|')
    return command !== '' && !(qualifier !== undefined && OPTION_QUALIFIED.has(command as string))
  })
}

function allowed(names: readonly string[]): string[] {
  return names.map((name) => `+${name}`)
}

/** Every command or subcommand name `aclRules` may mention, to ask Redis which it knows. */
export function aclCandidates(denyList: readonly string[]): string[] {
  return [
    ...new Set([
      ...denyList.map(aclName).filter(Boolean),
      ...[...READ_ONLY_COMMANDS, ...READ_ONLY_SUBCOMMANDS].map(aclName),
      ...DRIVER_NEEDS,
    ]),
  ]
}

/**
 * The users `'auto'` creates, derived from the read-write token and the deny list: servers
 * started alike (replicas of one deployment) share them, a restart leaves no second pair
 * behind, and a server with another deny list gets users of its own instead of rewriting
 * the rules under a running one. Names carry a keyed digest, never the token.
 */
export function derivedAclUsers(
  token: string,
  denyList: readonly string[],
): { readWrite: AclUser; readOnly: AclUser } {
  const mac = (label: string) =>
    createHmac('sha256', token).update(`hotpath-redis-rest acl ${label}`).digest('hex')
  const policy = [...new Set(aclDenied(denyList))].sort().join(' ')
  const id = mac(`user ${policy}`).slice(0, 16)
  return {
    readWrite: { username: `hotpath-rest-${id}-rw`, password: mac(`password rw ${id}`) },
    readOnly: { username: `hotpath-rest-${id}-ro`, password: mac(`password ro ${id}`) },
  }
}

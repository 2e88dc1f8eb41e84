import { aclDenied } from './acl'
import { CommandError } from './errors'

/** Redis' own words when ACL refuses a command inside a script. */
export const SCRIPT_REFUSAL =
  "ERR The user executing the script can't run this command or subcommand"

function luaSet(names: readonly string[]): string {
  return `{${names.map((name) => `[${JSON.stringify(name)}]=true`).join(',')}}`
}

/**
 * Lua run before a `memory://` script (on its first line, so line numbers stay the script's)
 * that does inside ioredis-mock what Redis ACL does inside Redis: `redis.call` and
 * `redis.pcall` of a denied command, or of anything but a read for a read-only token, are
 * refused. Both go through the mock's global `call`, so that is what gets wrapped; the
 * unchecked one stays in a local of this block. The mock also opens libraries Redis does
 * not (`js` reaches the host process, `debug` the unchecked `call`, `os`, `io`, `require`):
 * they are removed.
 */
export function scriptPolicyPrelude(
  denyList: readonly string[],
  allowList: readonly string[] | undefined,
): string {
  const deny = luaSet(aclDenied(denyList))
  const allow = allowList === undefined ? 'nil' : luaSet(allowList)
  return [
    'do',
    `local raw, lower, str, fail = call, string.lower, tostring, error`,
    `local deny, allow = ${deny}, ${allow}`,
    `local refusal = ${JSON.stringify(SCRIPT_REFUSAL)}`,
    'local function refused(name, first)',
    "if type(name) ~= 'string' then return false end",
    'name = lower(name)',
    "local sub = first ~= nil and (name .. '|' .. lower(str(first))) or ''",
    'if deny[name] or deny[sub] then return true end',
    'return allow ~= nil and not (allow[name] or allow[sub])',
    'end',
    'call = function(returnError, name, first, ...)',
    'if refused(name, first) then',
    'if returnError then return { err = refusal } end',
    'fail(refusal, 0)',
    'end',
    'return raw(returnError, name, first, ...)',
    'end',
    // debug.getupvalue would hand a script the unchecked `call`; Redis 7 has no debug either.
    'js, package, require, io, os, debug, dofile, loadfile = nil, nil, nil, nil, nil, nil, nil, nil',
    'end ',
  ].join(' ')
}

/** The mock reports a Lua error with its own prefix: answer a refusal in Redis' words. */
export function refusalOf(error: unknown): CommandError | undefined {
  const message = error instanceof Error ? error.message : ''
  if (!message.includes(SCRIPT_REFUSAL)) return undefined
  return new CommandError(SCRIPT_REFUSAL)
}

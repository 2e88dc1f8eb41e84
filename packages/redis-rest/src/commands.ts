/** One parsed command: the upper-cased name and its arguments as Redis receives them. */
export type Arg = string | Buffer

/**
 * Denied by default: commands that wipe or reconfigure the server, stall or spy on other
 * clients, or block a pooled connection while they wait. An entry is a command name
 * (`FLUSHALL`) or a name and a subcommand or option (`CLIENT KILL`, `XREAD BLOCK`). Redis
 * refuses the same to the server's ACL user, so a script cannot run them either.
 */
export const DEFAULT_DENY_LIST: readonly string[] = [
  'FLUSHALL',
  'FLUSHDB',
  // empties the database it swaps with an empty one
  'SWAPDB',
  'CONFIG',
  'DEBUG',
  'SHUTDOWN',
  'MONITOR',
  'REPLICAOF',
  'SLAVEOF',
  'FAILOVER',
  'MODULE',
  'ACL',
  'SAVE',
  'BGSAVE',
  'BGREWRITEAOF',
  // other clients' commands, keys and values
  'SLOWLOG',
  'CLIENT LIST',
  'CLIENT KILL',
  // stalls every client
  'CLIENT PAUSE',
  'CLIENT UNPAUSE',
  'CLIENT UNBLOCK',
  'CLIENT NO-EVICT',
  'MIGRATE',
  // cluster topology changes (the slot map that clients read stays allowed)
  'CLUSTER ADDSLOTS',
  'CLUSTER ADDSLOTSRANGE',
  'CLUSTER DELSLOTS',
  'CLUSTER DELSLOTSRANGE',
  'CLUSTER FLUSHSLOTS',
  'CLUSTER SETSLOT',
  'CLUSTER MEET',
  'CLUSTER FORGET',
  'CLUSTER REPLICATE',
  'CLUSTER FAILOVER',
  'CLUSTER RESET',
  'CLUSTER SAVECONFIG',
  'CLUSTER BUMPEPOCH',
  'CLUSTER SET-CONFIG-EPOCH',
  // Blocking commands pin a pooled connection for as long as they wait.
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
  'XREAD BLOCK',
  'XREADGROUP BLOCK',
]

/**
 * Commands that change the state of the connection they run on. Over a shared pool they
 * would leak into other requests, so they are refused whatever the deny list says.
 * Transactions go through `/multi-exec`, subscriptions through `/subscribe`.
 */
const CONNECTION_STATE = new Set([
  'MULTI',
  'EXEC',
  'DISCARD',
  'WATCH',
  'UNWATCH',
  'SELECT',
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'QUIT',
  'RESET',
  'HELLO',
  'AUTH',
  'SYNC',
  'PSYNC',
])

/**
 * What a read-only token may run: an allow list, so a command this table does not know
 * counts as a write. SCAN and KEYS stay out, as with Upstash's read-only tokens.
 */
export const READ_ONLY_COMMANDS: readonly string[] = [
  // strings and bits
  'GET',
  'GETRANGE',
  'SUBSTR',
  'MGET',
  'STRLEN',
  'LCS',
  'GETBIT',
  'BITCOUNT',
  'BITPOS',
  'BITFIELD_RO',
  // hashes
  'HEXISTS',
  'HGET',
  'HGETALL',
  'HKEYS',
  'HLEN',
  'HMGET',
  'HRANDFIELD',
  'HSCAN',
  'HSTRLEN',
  'HVALS',
  'HTTL',
  'HPTTL',
  'HEXPIRETIME',
  'HPEXPIRETIME',
  // lists
  'LINDEX',
  'LLEN',
  'LPOS',
  'LRANGE',
  // sets
  'SCARD',
  'SDIFF',
  'SINTER',
  'SINTERCARD',
  'SISMEMBER',
  'SMEMBERS',
  'SMISMEMBER',
  'SRANDMEMBER',
  'SSCAN',
  'SUNION',
  // sorted sets
  'ZCARD',
  'ZCOUNT',
  'ZDIFF',
  'ZINTER',
  'ZINTERCARD',
  'ZLEXCOUNT',
  'ZMSCORE',
  'ZRANDMEMBER',
  'ZRANGE',
  'ZRANGEBYLEX',
  'ZRANGEBYSCORE',
  'ZRANK',
  'ZREVRANGE',
  'ZREVRANGEBYLEX',
  'ZREVRANGEBYSCORE',
  'ZREVRANK',
  'ZSCAN',
  'ZSCORE',
  'ZUNION',
  // keys
  'EXISTS',
  'TYPE',
  'TTL',
  'PTTL',
  'EXPIRETIME',
  'PEXPIRETIME',
  'RANDOMKEY',
  'TOUCH',
  'DUMP',
  'OBJECT',
  // hyperloglog, streams, geo
  'PFCOUNT',
  'XINFO',
  'XLEN',
  'XPENDING',
  'XRANGE',
  'XREVRANGE',
  'XREAD',
  'GEODIST',
  'GEOHASH',
  'GEOPOS',
  'GEOSEARCH',
  'GEORADIUS_RO',
  'GEORADIUSBYMEMBER_RO',
  // scripts that declare themselves read-only
  'EVAL_RO',
  'EVALSHA_RO',
  'FCALL_RO',
  // server
  'DBSIZE',
  'ECHO',
  'PING',
  'TIME',
]
const READ_ONLY = new Set(READ_ONLY_COMMANDS)

/** Read-only subcommands of otherwise mixed commands. */
export const READ_ONLY_SUBCOMMANDS: readonly string[] = ['SCRIPT EXISTS']
const READ_ONLY_SUBCOMMAND_SET = new Set(READ_ONLY_SUBCOMMANDS)

/** Commands whose script may call others: Redis ACL, not this server, limits what it calls. */
const SCRIPT_COMMANDS = new Set(['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO'])

export function isScriptCommand(name: string): boolean {
  return SCRIPT_COMMANDS.has(name)
}

function argText(arg: Arg | undefined): string {
  if (arg === undefined) return ''
  return (typeof arg === 'string' ? arg : arg.toString('latin1')).toUpperCase()
}

/** The qualifiers a deny-list entry `NAME QUALIFIER` may match: the subcommand, or an option. */
function qualifiers(name: string, args: readonly Arg[]): string[] {
  if (name === 'XREAD' || name === 'XREADGROUP') {
    // Options come before STREAMS; after it, keys and IDs that may spell anything.
    const found: string[] = []
    for (const arg of args) {
      const word = argText(arg)
      if (word === 'STREAMS') break
      found.push(word)
    }
    return found
  }
  return args.length > 0 ? [argText(args[0])] : []
}

export type CommandPolicy = {
  isDenied(name: string, args: readonly Arg[]): boolean
}

export function createCommandPolicy(denyList: readonly string[]): CommandPolicy {
  const names = new Set<string>()
  const qualified = new Map<string, Set<string>>()
  for (const entry of denyList) {
    const [name, qualifier] = entry.trim().toUpperCase().split(/\s+/)
    if (!name) continue
    if (qualifier === undefined) {
      names.add(name)
      continue
    }
    const set = qualified.get(name) ?? new Set<string>()
    set.add(qualifier)
    qualified.set(name, set)
  }
  return {
    isDenied(name, args) {
      if (names.has(name)) return true
      const set = qualified.get(name)
      if (!set) return false
      return qualifiers(name, args).some((q) => set.has(q))
    },
  }
}

export function isConnectionStateCommand(name: string, args: readonly Arg[]): boolean {
  if (CONNECTION_STATE.has(name)) return true
  return name === 'CLIENT' && argText(args[0]) === 'REPLY'
}

export function isReadOnlyCommand(name: string, args: readonly Arg[]): boolean {
  if (READ_ONLY.has(name)) return true
  return READ_ONLY_SUBCOMMAND_SET.has(`${name} ${argText(args[0])}`)
}

import { defineKeys, key } from '@hotpath/keys'

/**
 * The store's keys. Every key of one user carries the user tag as its hash tag, so the scripts
 * that touch a session, the user's index and the user's epoch together run on one cluster slot.
 */
export function sessionKeys(prefix: string | undefined) {
  return defineKeys(
    {
      session: key('session:{user}:{id}', {
        slot: 'user',
        description: 'One session: a hash of user id, data, timestamps, epoch; id = SHA-256(token)',
      }),
      sessionIndex: key('session-index:{user}', {
        slot: 'user',
        description: "A user's sessions: sorted set of ids scored by expiry (ms)",
      }),
      sessionEpoch: key('session-epoch:{user}', {
        slot: 'user',
        description: "A user's revocation epoch; sessions created under a lower one are dead",
      }),
    },
    prefix === undefined ? {} : { prefix },
  )
}

export type SessionKeys = ReturnType<typeof sessionKeys>

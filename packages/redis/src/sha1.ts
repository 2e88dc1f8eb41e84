import { sha1 } from '@noble/hashes/legacy'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils'

/**
 * SHA-1 of a UTF-8 string, hex. Synchronous because script hashes are computed at module
 * load, on edge runtimes too, where node:crypto is absent and crypto.subtle is async.
 * Not for security: Redis names scripts by SHA-1.
 */
export function sha1Hex(text: string): string {
  return bytesToHex(sha1(utf8ToBytes(text)))
}

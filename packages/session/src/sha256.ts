import { sha256 } from '@noble/hashes/sha2'
import { utf8ToBytes } from '@noble/hashes/utils'

/**
 * SHA-256, synchronous. Web Crypto's digest is async and, on Node, a thread-pool hop
 * (~50 µs) that would cost more than the Redis read it guards; @noble/hashes runs the same
 * code on every runtime, edge included.
 */
export function sha256Bytes(text: string): Uint8Array {
  return sha256(utf8ToBytes(text))
}

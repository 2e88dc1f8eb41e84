import type { RestErrorCode } from './errors'

/**
 * A refusal decided before Redis is asked: status and Upstash-style error text, and for a
 * passed bound the stable code the reply body carries as `code`.
 */
export class Rejection extends Error {
  readonly status: number
  readonly code: RestErrorCode | undefined
  constructor(status: number, message: string, code?: RestErrorCode) {
    super(message)
    this.status = status
    this.code = code
  }
}

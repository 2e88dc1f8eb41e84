import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DELETE, INCREMENT, RESTORE } from '../src/better-auth'
import { SCRIPTS } from '../src/scripts'

const sha1 = (source: string) => createHash('sha1').update(source).digest('hex')

describe('Lua scripts', () => {
  it.each(Object.entries({ ...SCRIPTS, INCREMENT, DELETE, RESTORE }))(
    '%s carries the SHA1 of its source',
    (_, script) => {
      expect(script.sha1).toBe(sha1(script.source))
    },
  )
})

import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { scripts } from '../src/index'

describe('Lua scripts', () => {
  test.each(Object.entries(scripts))('%s carries the SHA1 of its source', (_name, script) => {
    expect(script.sha1).toBe(createHash('sha1').update(script.source).digest('hex'))
  })
})

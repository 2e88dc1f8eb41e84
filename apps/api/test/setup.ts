import { randomUUID } from 'node:crypto'

process.env.HOTPATH_KEY_PREFIX = `test-${randomUUID().slice(0, 8)}`

#!/usr/bin/env node
import { runCli } from './cli-main'
import { RestServerError } from './errors'

runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signals: process,
})
  .then(async (run) => {
    if (run === 'help') return
    await run.stopped
    process.exit(0)
  })
  .catch((error: unknown) => {
    const code = error instanceof RestServerError ? ` (${error.code})` : ''
    process.stderr.write(`hotpath-redis-rest: ${(error as Error).message}${code}\n`)
    process.exit(1)
  })

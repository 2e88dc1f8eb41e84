#!/usr/bin/env node
// Every changeset must parse as `changeset version` will read it, and name only packages
// of this workspace: a formatter that rewrites the front matter breaks releases silently.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import parse from '@changesets/parse'

const root = new URL('..', import.meta.url).pathname
const dir = join(root, '.changeset')
const workspace = new Set()
for (const parent of ['packages', 'apps', 'tooling']) {
  for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    try {
      workspace.add(
        JSON.parse(readFileSync(join(root, parent, entry.name, 'package.json'), 'utf8')).name,
      )
    } catch {}
  }
}
const failures = []
const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')
for (const file of files) {
  try {
    const { releases, summary } = parse(readFileSync(join(dir, file), 'utf8'))
    if (releases.length === 0) failures.push(`${file}: names no package`)
    if (!summary.trim()) failures.push(`${file}: has no summary`)
    for (const { name, type } of releases) {
      if (!workspace.has(name)) failures.push(`${file}: ${name} is not a workspace package`)
      if (!['major', 'minor', 'patch'].includes(type)) failures.push(`${file}: bad bump ${type}`)
    }
  } catch (error) {
    failures.push(`${file}: ${error.message.split('\n')[0]}`)
  }
}
if (failures.length > 0) {
  console.error(`changesets that will not release:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log(`${files.length} changesets parse`)

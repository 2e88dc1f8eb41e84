import type { KeyRow, Registry } from './registry'

const COLUMNS: readonly [string, (row: KeyRow) => string][] = [
  ['Name', (row) => code(row.name)],
  ['Template', (row) => code(row.template)],
  ['SCAN pattern', (row) => code(row.pattern)],
  ['TTL', ttl],
  ['Tags', (row) => row.tags.map(code).join(' ') || '—'],
  ['Version', (row) => (row.version === null ? '—' : String(row.version))],
  ['Slot', (row) => (row.slot === null ? '—' : code(row.slot))],
  ['Schema', (row) => row.schema ?? '—'],
  ['Description', (row) => row.description ?? ''],
]

/** The registry's `describe()` rows as a GitHub-flavoured markdown table. */
export function toMarkdown(registry: Pick<Registry, 'describe'>): string {
  const lines = [
    `| ${COLUMNS.map(([title]) => title).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
  ]
  for (const row of registry.describe()) {
    lines.push(`| ${COLUMNS.map(([, cell]) => cell(row).replaceAll('|', '\\|')).join(' | ')} |`)
  }
  return `${lines.join('\n')}\n`
}

function ttl(row: KeyRow): string {
  if (row.ttl === null) return '—'
  const jitter = row.jitter === 0 ? '' : ` ± ${Math.round(row.jitter * 100)}%`
  return `${row.ttl} s${jitter}`
}

/** A code span whose fence is longer than any run of backticks inside it. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  const pad = longest > 0 ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startRedis } from '@hotpath/test-redis'
import type { Row, Scenario, ScenarioResult } from './scenario.ts'

// `pnpm bench` runs every scenario; `pnpm bench <name…>` runs the named ones.
// BENCH_TIME_MS shortens or lengthens each measured task (default 2000 ms).
const here = dirname(fileURLToPath(import.meta.url))
const resultsDir = join(here, '..', 'results')
const timeMs = Number(process.env.BENCH_TIME_MS ?? 2000)

async function loadScenarios(): Promise<Scenario[]> {
  const dir = join(here, 'scenarios')
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
  const scenarios: Scenario[] = []
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default: Scenario }
    scenarios.push(module.default)
  }
  return scenarios
}

function table(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const header = `| ${columns.join(' | ')} |\n| ${columns.map(() => '---').join(' | ')} |`
  const body = rows
    .map((r) => `| ${columns.map((c) => String(r[c] ?? '')).join(' | ')} |`)
    .join('\n')
  return `${header}\n${body}`
}

function markdown(scenario: Scenario, result: ScenarioResult): string {
  const ratios = Object.entries(result.ratios)
    .map(([name, value]) => `| ${name} | ${value} | ${result.goals?.[name] ?? ''} |`)
    .join('\n')
  return [
    `## ${scenario.name}`,
    '',
    scenario.description,
    '',
    table(result.rows),
    '',
    '| ratio | value | goal |\n| --- | --- | --- |',
    ratios,
    ...(result.notes?.length ? ['', ...result.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n')
}

async function main() {
  const wanted = process.argv.slice(2)
  const scenarios = (await loadScenarios()).filter(
    (s) => wanted.length === 0 || wanted.includes(s.name),
  )
  mkdirSync(resultsDir, { recursive: true })
  const sections: string[] = [
    `# hotpath benchmarks\n\n${new Date().toISOString()}, Node ${process.version}, ${timeMs} ms per task\n`,
  ]
  for (const scenario of scenarios) {
    process.stdout.write(`▶ ${scenario.name}\n`)
    await using redis = await startRedis()
    const result = await scenario.run({ redis, timeMs })
    const md = markdown(scenario, result)
    writeFileSync(
      join(resultsDir, `${scenario.name}.json`),
      `${JSON.stringify({ scenario: scenario.name, description: scenario.description, date: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`,
    )
    writeFileSync(join(resultsDir, `${scenario.name}.md`), md)
    sections.push(md)
    process.stdout.write(`${md}\n`)
  }
  writeFileSync(join(resultsDir, 'summary.md'), sections.join('\n'))
  // Scenario clients may keep sockets open; the results are written, so leave now.
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})

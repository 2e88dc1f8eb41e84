/** What Next passes a page as `searchParams` (a promise since Next 15). */
export type SearchParams = Promise<Record<string, string | string[] | undefined>>

export function param(
  params: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = params[name]
  return typeof value === 'string' ? value : undefined
}

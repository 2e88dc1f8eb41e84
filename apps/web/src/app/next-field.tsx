import type { SearchParams } from '@/lib/page'
import { safeNext } from '@/lib/redirect'

/** Carries `?next=` through the form, so signing in returns to the page that asked. */
export async function NextField({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams
  return <input type="hidden" name="next" value={safeNext(params.next)} />
}

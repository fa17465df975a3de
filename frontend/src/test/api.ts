// A fake API for component tests: routes `METHOD /path` to JSON answers,
// records the requests made.
import { vi } from 'vitest'

export type Answer = { status?: number; body?: unknown }
export type Routes = Record<string, Answer | ((req: Request) => Answer)>

export function fakeApi(routes: Routes) {
  const seen: string[] = []
  const fetch = vi.fn(async (input: Request | string, init?: RequestInit) => {
    const req = typeof input === 'string' ? new Request(new URL(input, 'http://localhost'), init) : input
    const url = new URL(req.url)
    const key = `${req.method} ${url.pathname}`
    seen.push(`${key}${url.search}`)
    const route = routes[key]
    const answer = typeof route === 'function' ? route(req) : route
    if (!answer) {
      return new Response(JSON.stringify({ type: '/problems/not_found', title: 'Not found', status: 404, code: 'not_found' }), {
        status: 404,
        headers: { 'Content-Type': 'application/problem+json' },
      })
    }
    const status = answer.status ?? 200
    return new Response(status === 204 ? null : JSON.stringify(answer.body ?? {}), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    })
  })
  vi.stubGlobal('fetch', fetch)
  return { fetch, seen }
}

export const ME = {
  kind: 'user',
  id: 4,
  username: 'vp.chuyenvien',
  full_name: 'Lê Minh Tuấn',
  email: null,
  primary_unit_id: 2,
  grants: [{ id: 1, role: 'office_specialist', role_label: 'Chuyên viên theo dõi', unit_id: 2, unit_name: 'Văn phòng UBND tỉnh Phú Thọ' }],
}

export function signedIn() {
  localStorage.setItem('dhs.session', JSON.stringify({ access: 'a', refresh: 'r' }))
}

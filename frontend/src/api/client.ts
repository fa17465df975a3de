// The typed API client: openapi-fetch over the types generated from the
// committed openapi/openapi.json (src/api/schema.d.ts, `npm run gen:api`).
// The access token rides on every request; a 401 refreshes the session once
// (refresh tokens are single-use, so concurrent 401s share one refresh) and
// replays the request.
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']
export type TokenPair = Schemas['TokenPair']

const STORAGE_KEY = 'dhs.session'

export interface Session {
  access: string
  refresh: string
}

type Listener = (session: Session | null) => void
const listeners = new Set<Listener>()

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    return raw ? (JSON.parse(raw) as Session) : null
  } catch {
    return null
  }
}

export function saveSession(session: Session | null) {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session))
  else localStorage.removeItem(STORAGE_KEY)
  listeners.forEach((l) => l(session))
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function sessionFromTokens(pair: TokenPair): Session {
  return { access: pair.access_token, refresh: pair.refresh_token }
}

let refreshing: Promise<Session | null> | null = null

/** Trades the refresh token for a new pair; null (and signed out) when refused. */
export function refreshSession(): Promise<Session | null> {
  if (!refreshing) {
    const current = loadSession()
    refreshing = (async () => {
      if (!current) return null
      const res = await fetch(absolute('/api/v1/auth/refresh'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: current.refresh }),
      })
      const next = res.ok ? sessionFromTokens((await res.json()) as TokenPair) : null
      saveSession(next)
      return next
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

const auth: Middleware = {
  onRequest({ request }) {
    const session = loadSession()
    if (session && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${session.access}`)
    }
    return request
  },
}

/** fetch that refreshes the session on a 401 and tries once more. */
export async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone()
  const first = await fetch(input)
  if (first.status !== 401 || !loadSession() || input.url.includes('/auth/')) return first
  const session = await refreshSession()
  if (!session) return first
  retry.headers.set('Authorization', `Bearer ${session.access}`)
  return fetch(retry)
}

/** The API is served by the same origin as the SPA. */
export function absolute(path: string): string {
  return new URL(path, globalThis.location?.origin ?? 'http://localhost').toString()
}

export const api = createClient<paths>({ baseUrl: absolute('/').replace(/\/$/, ''), fetch: authedFetch })
api.use(auth)

/** Downloads a file the API serves (Excel exports) with the session. */
export async function download(path: string, filename: string) {
  const session = loadSession()
  const headers: Record<string, string> = {}
  if (session) headers.Authorization = `Bearer ${session.access}`
  const res = await authedFetch(new Request(absolute(path), { headers }))
  if (!res.ok) throw await problemOf(res)
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.click()
  URL.revokeObjectURL(url)
}

export type Problem = Schemas['Problem']

/** POSTs a multipart form (uploads, imports) with the session; its JSON or its problem thrown. */
export async function postForm<T>(path: string, body: FormData): Promise<T> {
  const session = loadSession()
  const res = await authedFetch(
    new Request(absolute(path), {
      method: 'POST',
      body,
      headers: session ? { Authorization: `Bearer ${session.access}` } : {},
    }),
  )
  if (!res.ok) throw await problemOf(res)
  return (await res.json()) as T
}

/** An error the API answered with: its problem document. */
export class ApiError extends Error {
  problem: Problem
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title)
    this.problem = problem
  }
}

async function problemOf(res: Response): Promise<ApiError> {
  try {
    return new ApiError((await res.json()) as Problem)
  } catch {
    return new ApiError({
      type: '/problems/internal_error',
      title: res.statusText,
      status: res.status,
      code: 'internal_error',
    })
  }
}

/** The data of an openapi-fetch result, or its problem thrown. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) {
    const problem = result.error as Problem | undefined
    throw new ApiError(
      problem && typeof problem === 'object' && 'code' in problem
        ? problem
        : {
            type: '/problems/internal_error',
            title: result.response.statusText,
            status: result.response.status,
            code: 'internal_error',
          },
    )
  }
  return result.data as T
}

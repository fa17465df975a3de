// The signed-in caller: the session tokens, the `me` document (units and
// roles), sign-in and sign-out. What a role may see is decided here only to
// hide screens and buttons; the API still decides every request.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import {
  api,
  loadSession,
  onSessionChange,
  saveSession,
  sessionFromTokens,
  unwrap,
  type Schemas,
  type Session,
} from '../api/client'

export type Me = Schemas['Me']
export type Role = Schemas['Role']

interface Auth {
  session: Session | null
  me: Me | undefined
  loading: boolean
  signIn: (username: string, password: string) => Promise<void>
  signOut: () => Promise<void>
  hasRole: (...roles: Role[]) => boolean
}

const AuthContext = createContext<Auth | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession())
  const queryClient = useQueryClient()
  // A session that ends (sign-out, a refused refresh) takes its cached data
  // with it: the next account must not see the previous one's.
  useEffect(
    () =>
      onSessionChange((next) => {
        if (!next) queryClient.clear()
        setSession(next)
      }),
    [queryClient],
  )

  const me = useQuery({
    queryKey: ['me', session?.refresh ? 'signed-in' : 'anonymous'],
    enabled: session !== null,
    queryFn: async () => unwrap(await api.GET('/api/v1/me')),
    staleTime: 5 * 60_000,
  })

  const signIn = useCallback(async (username: string, password: string) => {
    const pair = unwrap(await api.POST('/api/v1/auth/login', { body: { username, password } }))
    saveSession(sessionFromTokens(pair))
  }, [])

  const signOut = useCallback(async () => {
    const current = loadSession()
    if (current) {
      await api.POST('/api/v1/auth/logout', { body: { refresh_token: current.refresh } }).catch(() => undefined)
    }
    saveSession(null)
  }, [])

  const value = useMemo<Auth>(() => {
    const roles = new Set((me.data?.grants ?? []).map((g) => g.role))
    return {
      session,
      me: me.data,
      loading: session !== null && me.isPending,
      signIn,
      signOut,
      hasRole: (...wanted) => wanted.some((r) => roles.has(r)),
    }
  }, [session, me.data, me.isPending, signIn, signOut])

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext)
  if (!auth) throw new Error('useAuth outside AuthProvider')
  return auth
}

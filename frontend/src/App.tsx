// Providers (query cache, Vietnamese locale for antd and dates, the
// session) and the routes. The board is outside the sign-in: it reads its
// token from the address.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp, ConfigProvider } from 'antd'
import enUS from 'antd/locale/en_US'
import viVN from 'antd/locale/vi_VN'
import dayjs from 'dayjs'
import 'dayjs/locale/vi'
import { useTranslation } from 'react-i18next'
import { BrowserRouter, Route, Routes } from 'react-router'
import { AuthProvider, useAuth } from './auth/AuthContext'
import { AppLayout } from './components/AppLayout'
import { Loading, LoadError } from './components/status'
import './i18n'
import { AdminPage } from './pages/admin/AdminPage'
import { BoardPage } from './pages/BoardPage'
import { DashboardPage } from './pages/DashboardPage'
import { FundsPage } from './pages/funds/FundsPage'
import { ProgrammesPage } from './pages/funds/ProgrammesPage'
import { ImportsPage } from './pages/imports/ImportsPage'
import { EvaluationPage } from './pages/ntm/EvaluationPage'
import { NtmPage } from './pages/ntm/NtmPage'
import { NtmStatsPage } from './pages/ntm/NtmStatsPage'
import { SetPage, SetsPage } from './pages/ntm/SetsPage'
import { LoginPage } from './pages/LoginPage'
import { NewDirectivePage } from './pages/tasks/NewDirectivePage'
import { TaskListPage } from './pages/tasks/TaskListPage'
import { TaskPage } from './pages/tasks/TaskPage'
import { TaskStatsPage } from './pages/tasks/TaskStatsPage'
import { ApiError } from './api/client'

dayjs.locale('vi')

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) =>
          count < 2 && !(error instanceof ApiError && error.problem.status < 500),
        refetchOnWindowFocus: false,
      },
    },
  })
}

function SignedIn() {
  const { session, loading, me } = useAuth()
  if (!session) return <LoginPage />
  if (loading) return <Loading />
  if (!me) return <LoginPage />
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<DashboardPage />} />
        <Route path="tasks" element={<TaskListPage />} />
        <Route path="tasks/:id" element={<TaskPage />} />
        <Route path="directives/new" element={<NewDirectivePage />} />
        <Route path="task-stats" element={<TaskStatsPage />} />
        <Route path="imports" element={<ImportsPage />} />
        <Route path="admin" element={<AdminPage />} />
        <Route path="funds" element={<FundsPage />} />
        <Route path="funds/programmes" element={<ProgrammesPage />} />
        <Route path="ntm" element={<NtmPage />} />
        <Route path="ntm/evaluations/:id" element={<EvaluationPage />} />
        <Route path="ntm/stats" element={<NtmStatsPage />} />
        <Route path="ntm/sets" element={<SetsPage />} />
        <Route path="ntm/sets/:id" element={<SetPage />} />
        <Route
          path="*"
          element={
            <LoadError
              error={new ApiError({ type: '/problems/not_found', title: '', status: 404, code: 'not_found' })}
            />
          }
        />
      </Route>
    </Routes>
  )
}

export function Providers({ children, client }: { children: React.ReactNode; client?: QueryClient }) {
  const { i18n } = useTranslation()
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : viVN}
      theme={{ token: { colorPrimary: '#b91c1c', borderRadius: 4, motion: !reducedMotion } }}
    >
      <AntApp>
        <QueryClientProvider client={client ?? defaultClient}>
          <AuthProvider>{children}</AuthProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  )
}

const defaultClient = makeQueryClient()

/** People who ask their system for less motion get no animations. */
const reducedMotion =
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/board" element={<BoardPage />} />
      <Route path="*" element={<SignedIn />} />
    </Routes>
  )
}

export default function App() {
  return (
    <Providers>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </Providers>
  )
}

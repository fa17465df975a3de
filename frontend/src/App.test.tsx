import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { AppRoutes, makeQueryClient, Providers } from './App'
import { fakeApi, ME, signedIn } from './test/api'

function renderAt(path: string) {
  return render(
    <Providers client={makeQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </Providers>,
  )
}

const EMPTY_STATS = {
  group_by: 'lead_unit',
  basis: 'current',
  as_of: '2026-12-03',
  rows: [],
  total: {
    key: 'total',
    label: 'Tổng',
    counts: { total: 0, on_time: 0, due_soon: 0, overdue: 0, completed_on_time: 0, completed_late: 0, no_deadline: 0 },
    on_time_rate_bp: null,
  },
}

describe('App', () => {
  it('asks a signed-out visitor to sign in, in Vietnamese', () => {
    fakeApi({})
    renderAt('/')
    expect(screen.getByRole('heading', { level: 1, name: 'Điều hành số' })).toBeInTheDocument()
    expect(screen.getByRole('heading', { level: 2, name: 'Đăng nhập' })).toBeInTheDocument()
    expect(screen.getByLabelText('Tên đăng nhập')).toBeInTheDocument()
  })

  it('says so when the password is wrong', async () => {
    const api = fakeApi({
      'POST /api/v1/auth/login': {
        status: 401,
        body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized' },
      },
    })
    renderAt('/')
    fireEvent.change(screen.getByLabelText('Tên đăng nhập'), { target: { value: 'vp.chuyenvien' } })
    fireEvent.change(screen.getByLabelText('Mật khẩu'), { target: { value: 'sai' } })
    fireEvent.click(screen.getByRole('button', { name: 'Đăng nhập' }))
    expect(await screen.findByText('Sai tên đăng nhập hoặc mật khẩu')).toBeInTheDocument()
    expect(api.seen).toEqual(['POST /api/v1/auth/login'])
    expect(localStorage.getItem('dhs.session')).toBeNull()
  })

  it('signs in and shows the caller, the menu and the dashboard', async () => {
    fakeApi({
      'POST /api/v1/auth/login': {
        body: { access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900 },
      },
      'GET /api/v1/me': { body: ME },
      'GET /api/v1/task-stats': { body: EMPTY_STATS },
      'GET /api/v1/tasks': { body: { items: [], total: 0, limit: 5, offset: 0 } },
    })
    renderAt('/')
    fireEvent.change(screen.getByLabelText('Tên đăng nhập'), { target: { value: 'vp.chuyenvien' } })
    fireEvent.change(screen.getByLabelText('Mật khẩu'), { target: { value: 'thuchanh2026' } })
    fireEvent.click(screen.getByRole('button', { name: 'Đăng nhập' }))
    expect(await screen.findByTestId('current-user')).toHaveTextContent('Lê Minh Tuấn')
    expect(screen.getByRole('link', { name: 'Nhiệm vụ' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Nhập Excel' })).toBeInTheDocument()
    expect(await screen.findByRole('heading', { name: 'Tổng quan' })).toBeInTheDocument()
  })

  it('refreshes an expired session once and replays the request', async () => {
    signedIn()
    let meCalls = 0
    const api = fakeApi({
      'GET /api/v1/me': (req) => {
        meCalls += 1
        return req.headers.get('Authorization') === 'Bearer fresh'
          ? { body: ME }
          : { status: 401, body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized' } }
      },
      'POST /api/v1/auth/refresh': {
        body: { access_token: 'fresh', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 },
      },
      'GET /api/v1/task-stats': { body: EMPTY_STATS },
      'GET /api/v1/tasks': { body: { items: [], total: 0, limit: 5, offset: 0 } },
    })
    renderAt('/')
    expect(await screen.findByTestId('current-user')).toHaveTextContent('Lê Minh Tuấn')
    expect(meCalls).toBe(2)
    expect(api.seen.filter((s) => s.startsWith('POST /api/v1/auth/refresh'))).toHaveLength(1)
    expect(JSON.parse(localStorage.getItem('dhs.session') ?? '{}')).toEqual({ access: 'fresh', refresh: 'r2' })
  })

  it('signs out when the refresh is refused', async () => {
    signedIn()
    fakeApi({
      'GET /api/v1/me': {
        status: 401,
        body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized' },
      },
      'POST /api/v1/auth/refresh': {
        status: 401,
        body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized' },
      },
    })
    renderAt('/tasks')
    expect(await screen.findByRole('heading', { level: 2, name: 'Đăng nhập' })).toBeInTheDocument()
    await waitFor(() => expect(localStorage.getItem('dhs.session')).toBeNull())
  })

  it('shows the next account its own name after a session ends, not the previous one cached', async () => {
    const other = { ...ME, id: 9, username: 'sotc.canbo', full_name: 'Đỗ Thị Hương' }
    const unauthorized = {
      status: 401,
      body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized' },
    }
    fakeApi({
      'POST /api/v1/auth/login': {
        body: { access_token: 'second', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 },
      },
      'GET /api/v1/me': (req) => ({ body: req.headers.get('Authorization') === 'Bearer first' ? ME : other }),
      // The first session expires while the dashboard loads, and its refresh is refused.
      'GET /api/v1/task-stats': (req) =>
        req.headers.get('Authorization') === 'Bearer first' ? unauthorized : { body: EMPTY_STATS },
      'POST /api/v1/auth/refresh': unauthorized,
      'GET /api/v1/tasks': { body: { items: [], total: 0, limit: 5, offset: 0 } },
    })
    localStorage.setItem('dhs.session', JSON.stringify({ access: 'first', refresh: 'r' }))
    renderAt('/')
    fireEvent.change(await screen.findByLabelText('Tên đăng nhập'), { target: { value: 'sotc.canbo' } })
    fireEvent.change(screen.getByLabelText('Mật khẩu'), { target: { value: 'thuchanh2026' } })
    fireEvent.click(screen.getByRole('button', { name: 'Đăng nhập' }))
    expect(await screen.findByTestId('current-user')).toHaveTextContent('Đỗ Thị Hương')
  })
})

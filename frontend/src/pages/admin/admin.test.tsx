import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { makeQueryClient, Providers } from '../../App'
import { formatDateTime } from '../../format'
import { fakeApi, ME, signedIn, type Answer, type Routes as ApiRoutes } from '../../test/api'
import { AdminPage } from './AdminPage'
import { auditQuery } from './AuditTab'

// antd screens are heavy for jsdom: the first render of a file loads much of
// it, and a machine under load is slower still.
configure({ asyncUtilTimeout: 4000 })
vi.setConfig({ testTimeout: 20_000 })

const ADMIN = {
  ...ME,
  id: 1,
  username: 'quantri',
  full_name: 'Nguyễn Văn Quản',
  grants: [{ id: 1, role: 'system_admin', role_label: 'Quản trị hệ thống', unit_id: 1, unit_name: 'Tỉnh Phú Thọ' }],
}

const PAGE = (items: unknown[], limit = 20) => ({ items, total: items.length, limit, offset: 0 })

function unit(id: number, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    code: null,
    name,
    short_name: name.split(' ').slice(1).join(' '),
    kind: 'commune',
    unit_type: 'xã',
    parent_id: 1,
    depth: 1,
    valid_from: null,
    valid_to: null,
    alt_names: [],
    ...extra,
  }
}

const PROVINCE = unit(1, 'Tỉnh Phú Thọ', { kind: 'province', unit_type: 'tỉnh', parent_id: null, depth: 0 })
const TRANSPORT = unit(7, 'Sở Giao thông vận tải', { kind: 'agency', unit_type: 'sở', short_name: 'Sở Giao thông vận tải' })
const HOA_BINH = unit(300, 'Xã Hòa Bình', { code: '07912', valid_from: '2025-07-01' })
const TAN_SON = unit(101, 'Xã Tân Sơn', { code: '07900', valid_to: '2025-06-30' })
const KIM_THUONG = unit(102, 'Xã Kim Thượng', { code: '07903', valid_to: '2025-06-30' })
const VILLAGE = unit(900, 'Thôn Xuân Thắng', { kind: 'village', unit_type: 'thôn', parent_id: 300, depth: 2 })

const detail = (u: ReturnType<typeof unit>, ancestors = [PROVINCE]) => ({ body: { ...u, ancestors } })

/** Units for the pickers (limit=30) and the lists: what a query asks for. */
function orgUnits(req: Request) {
  const query = new URL(req.url).searchParams
  if (query.get('parent_id') === '300') return { body: PAGE([VILLAGE], 500) }
  if (query.get('parent_id')) return { body: PAGE([], 500) }
  return { body: PAGE([PROVINCE, TRANSPORT, HOA_BINH, TAN_SON, KIM_THUONG], Number(query.get('limit'))) }
}

const USERS = [
  {
    id: 12,
    username: 'so.gtvt.canbo',
    full_name: 'Trần Văn Minh',
    email: 'minh@phutho.gov.vn',
    phone: null,
    primary_unit_id: 7,
    active: true,
    created_at: '2026-01-05T02:30:00',
    updated_at: '2026-01-05T02:30:00',
  },
  {
    id: 13,
    username: 'xa.tanson',
    full_name: 'Hà Thị Lan',
    email: null,
    phone: null,
    primary_unit_id: 7,
    active: false,
    created_at: '2026-02-01T09:00:00',
    updated_at: '2026-03-01T09:00:00',
  },
]

function base(routes: ApiRoutes): ApiRoutes {
  return {
    'GET /api/v1/me': { body: ADMIN },
    'GET /api/v1/org-units': orgUnits,
    'GET /api/v1/org-units/1': detail(PROVINCE, []),
    'GET /api/v1/org-units/7': detail(TRANSPORT),
    ...routes,
  }
}

function renderAt(path: string) {
  signedIn()
  return render(
    <Providers client={makeQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/admin" element={<AdminPage />} />
        </Routes>
      </MemoryRouter>
    </Providers>,
  )
}

/** Opens an antd select by its label and picks the option of that text. */
async function pick(container: HTMLElement, label: string, option: string) {
  const input = within(container).getByLabelText(label)
  fireEvent.mouseDown(input)
  const item = await waitFor(() => {
    const found = Array.from(document.querySelectorAll<HTMLElement>('.ant-select-item-option')).find(
      (el) => el.textContent === option && !el.closest('.ant-select-dropdown-hidden'),
    )
    if (!found) throw new Error(`no option ${option}`)
    return found
  })
  fireEvent.click(item)
}

// Role queries are avoided: with antd's injected styles, jsdom's
// getComputedStyle makes each accessibility check take seconds.

/** The button of that text or aria-label (exact, or matching a pattern). */
function button(container: HTMLElement, name: string | RegExp): HTMLButtonElement {
  const found = Array.from(container.querySelectorAll<HTMLButtonElement>('button')).filter((b) => {
    const names = [b.getAttribute('aria-label') ?? '', (b.textContent ?? '').trim()]
    return names.some((n) => (typeof name === 'string' ? n === name : name.test(n)))
  })
  if (found.length !== 1) throw new Error(`${found.length} buttons named ${String(name)}`)
  return found[0]
}

const findButton = (container: HTMLElement, name: string | RegExp) => waitFor(() => button(container, name))

/** The open modal dialog (its title containing `title`, if given). */
function findDialog(title?: string): Promise<HTMLElement> {
  return waitFor(() => {
    const open = Array.from(document.querySelectorAll<HTMLElement>('.ant-modal[role="dialog"]')).filter(
      (d) => !d.closest('.ant-modal-wrap')?.getAttribute('style')?.includes('display: none') &&
        (!title || d.querySelector('.ant-modal-title')?.textContent?.includes(title)),
    )
    if (open.length !== 1) throw new Error(`${open.length} dialogs`)
    return open[0]
  })
}

/** The element labelled so (a section's aria-label). */
function region(name: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`section[aria-label="${name}"]`)
  if (!found) throw new Error(`no region ${name}`)
  return found
}

/** The alert (an API problem) shown in that container. */
function findAlert(container: HTMLElement): Promise<HTMLElement> {
  return waitFor(() => {
    const alert = container.querySelector<HTMLElement>('[role="alert"]')
    if (!alert) throw new Error('no alert')
    return alert
  })
}

/** The popconfirm showing that text. */
async function findPopconfirm(text: string | RegExp): Promise<HTMLElement> {
  const message = await screen.findByText(text)
  return message.closest('.ant-popover') as HTMLElement
}

function jsonOf(req: Request, into: unknown[]) {
  void req.clone().json().then((b) => into.push(b))
}

/** A route that records the JSON bodies it is sent `into`, and answers so. */
function recording(into: unknown[], answer: Answer) {
  return (req: Request) => {
    jsonOf(req, into)
    return answer
  }
}

/** A problem document the API answers with (`errors`: per field). */
function problem(status: number, code: string, title: string, detail: string, errors?: unknown[]): Answer {
  return { status, body: { type: `/problems/${code}`, title, status, code, detail, ...(errors ? { errors } : {}) } }
}

/** A refusal of invalid fields. */
const invalid = (errors: { field: string; code: string; message: string }[]) =>
  problem(422, 'validation_failed', 'Invalid', 'Dữ liệu không hợp lệ', errors)

/** The list of users, and those routes. */
const withUsers = (routes: ApiRoutes = {}) => base({ 'GET /api/v1/users': { body: PAGE(USERS) }, ...routes })

/** The query of a request the fake API saw. */
const queryOf = (seen: string) => new URL(seen.slice(4), 'http://localhost').searchParams

function fieldOf(label: string, container: HTMLElement = document.body) {
  return within(container).getByLabelText(label).closest('.ant-form-item') as HTMLElement
}

/** The error shown under a form's field. */
function fieldError(container: HTMLElement, label: string, message: string) {
  return within(fieldOf(label, container)).getByText(message, { selector: '.ant-form-item-explain-error' })
}

/** Types into the fields of those labels, in order. */
function fill(container: HTMLElement, values: Record<string, string>) {
  for (const [label, value] of Object.entries(values)) {
    fireEvent.change(within(container).getByLabelText(label), { target: { value } })
  }
}

/** Presses Enter in an input. */
function enter(input: HTMLElement) {
  fireEvent.keyDown(input, { key: 'Enter', code: 'Enter', keyCode: 13 })
}

/** Types into a search box and presses Enter. */
function search(label: string, text: string) {
  const input = screen.getByLabelText(label)
  fireEvent.change(input, { target: { value: text } })
  enter(input)
}

/** Clicks the button that opens a dialog; the dialog (its title containing `title`). */
async function openDialog(name: string, title = name): Promise<HTMLElement> {
  fireEvent.click(await findButton(document.body, name))
  return findDialog(title)
}

/** Clicks a button that asks first, then the same button in the popconfirm showing `text`. */
async function confirmed(container: HTMLElement, name: string, text: string | RegExp) {
  fireEvent.click(button(container, name))
  fireEvent.click(button(await findPopconfirm(text), name))
}

describe('administration: users', () => {
  it('lists the users in scope with their unit and status', async () => {
    const api = fakeApi(withUsers())
    renderAt('/admin?tab=users')
    await waitFor(() => expect(screen.getByText('Trần Văn Minh')).toBeInTheDocument())
    const table = screen.getByTestId('users')
    const minh = within(table).getByText('Trần Văn Minh').closest('tr') as HTMLElement
    expect(within(minh).getByText('so.gtvt.canbo')).toBeInTheDocument()
    expect(within(minh).getByText('Đang hoạt động')).toBeInTheDocument()
    await waitFor(() => expect(within(minh).getByText('Sở Giao thông vận tải')).toBeInTheDocument())
    expect(within(minh).getByText(formatDateTime('2026-01-05T02:30:00Z'))).toBeInTheDocument()
    const lan = within(table).getByText('Hà Thị Lan').closest('tr') as HTMLElement
    expect(within(lan).getByText('Đã khóa')).toBeInTheDocument()
    expect(button(lan, 'Mở khóa')).toBeInTheDocument()
    expect(document.querySelector('[role="tab"][aria-selected="true"]')).toHaveTextContent('Người dùng')
    const call = api.seen.find((s) => s.startsWith('GET /api/v1/users?')) ?? ''
    expect(call).toContain('limit=20')
    expect(call).toContain('offset=0')
  })

  it('searches users by name', async () => {
    const api = fakeApi(withUsers())
    renderAt('/admin?tab=users')
    await screen.findByText('Trần Văn Minh')
    search('Tìm người dùng', 'Minh')
    await waitFor(() => expect(api.seen.some((s) => s.startsWith('GET /api/v1/users?') && s.includes('q=Minh'))).toBe(true))
  })

  it('creates a user with the right body and shows the API field errors on the fields', async () => {
    const posted: unknown[] = []
    fakeApi(
      withUsers({
        'POST /api/v1/users': recording(
          posted,
          invalid([
            { field: 'password', code: 'digits', message: 'Mật khẩu phải có cả chữ và số' },
            { field: 'username', code: 'taken', message: 'Tên đăng nhập đã được dùng' },
          ]),
        ),
      }),
    )
    renderAt('/admin?tab=users')
    const dialog = await openDialog('Thêm người dùng')
    fill(dialog, {
      'Tên đăng nhập': 'so.gtvt.ketoan',
      'Họ và tên': 'Phạm Thị Hoa',
      'Thư điện tử': 'hoa@phutho.gov.vn',
      'Mật khẩu': 'giaothongabc',
    })
    await pick(dialog, 'Đơn vị công tác', 'Sở Giao thông vận tải')
    fireEvent.click(button(dialog, 'Lưu'))
    await waitFor(() =>
      expect(posted).toEqual([
        {
          username: 'so.gtvt.ketoan',
          full_name: 'Phạm Thị Hoa',
          email: 'hoa@phutho.gov.vn',
          primary_unit_id: 7,
          password: 'giaothongabc',
          active: true,
        },
      ]),
    )
    expect(await findAlert(dialog)).toHaveTextContent('Dữ liệu không hợp lệ')
    await waitFor(() => expect(fieldError(dialog, 'Tên đăng nhập', 'Tên đăng nhập đã được dùng')).toBeInTheDocument())
    expect(fieldError(dialog, 'Mật khẩu', 'Mật khẩu phải có cả chữ và số')).toBeInTheDocument()
  })

  it('edits a user: an emptied contact is sent as null, which removes it', async () => {
    const patched: unknown[] = []
    fakeApi(withUsers({ 'PATCH /api/v1/users/12': recording(patched, { body: { ...USERS[0], email: null } }) }))
    renderAt('/admin?tab=users')
    const row = (await screen.findByText('Trần Văn Minh')).closest('tr') as HTMLElement
    fireEvent.click(button(row, 'Sửa: Trần Văn Minh'))
    const dialog = await findDialog('Sửa thông tin người dùng: Trần Văn Minh')
    expect(within(dialog).getByLabelText('Thư điện tử')).toHaveValue('minh@phutho.gov.vn')
    fill(dialog, { 'Thư điện tử': '', 'Họ và tên': ' Trần Văn Minh ' })
    fireEvent.click(button(dialog, 'Lưu'))
    await waitFor(() =>
      expect(patched).toEqual([{ full_name: 'Trần Văn Minh', email: null, phone: null, primary_unit_id: 7 }]),
    )
  })

  it('checks the required fields before asking the API', async () => {
    const api = fakeApi(withUsers())
    renderAt('/admin?tab=users')
    const dialog = await openDialog('Thêm người dùng')
    fireEvent.click(button(dialog, 'Lưu'))
    await waitFor(() => expect(within(fieldOf('Tên đăng nhập', dialog)).getByText('Bắt buộc nhập')).toBeInTheDocument())
    expect(within(fieldOf('Đơn vị công tác', dialog)).getByText('Bắt buộc nhập')).toBeInTheDocument()
    expect(api.seen.some((s) => s.startsWith('POST'))).toBe(false)
  })

  it('locks an account after a confirmation', async () => {
    const patched: unknown[] = []
    fakeApi(withUsers({ 'PATCH /api/v1/users/12': recording(patched, { body: { ...USERS[0], active: false } }) }))
    renderAt('/admin?tab=users')
    const row = (await screen.findByText('Trần Văn Minh')).closest('tr') as HTMLElement
    await confirmed(row, 'Khóa', /Khóa tài khoản Trần Văn Minh\?/)
    await waitFor(() => expect(patched).toEqual([{ active: false }]))
  })

  it('grants a role on a unit and revokes one after a confirmation', async () => {
    const posted: unknown[] = []
    let grants = [{ id: 40, role: 'viewer', role_label: 'Xem báo cáo', unit_id: 1, unit_name: 'Tỉnh Phú Thọ' }]
    const api = fakeApi(
      withUsers({
        'GET /api/v1/users/12': { body: USERS[0] },
        'GET /api/v1/users/12/grants': () => ({ body: grants }),
        'POST /api/v1/users/12/grants': (req) => {
          jsonOf(req, posted)
          grants = [
            ...grants,
            { id: 41, role: 'agency_officer', role_label: 'Cán bộ cơ quan', unit_id: 7, unit_name: 'Sở Giao thông vận tải' },
          ]
          return { status: 201, body: grants[1] }
        },
        'DELETE /api/v1/users/12/grants/40': () => {
          grants = grants.filter((g) => g.id !== 40)
          return { status: 204 }
        },
      }),
    )
    renderAt('/admin?tab=users&user=12')
    await waitFor(() => expect(screen.getByText('Phân quyền của Trần Văn Minh', { selector: '.ant-drawer-title' })).toBeInTheDocument())
    const table = await screen.findByTestId('user-grants')
    await waitFor(() => expect(within(table).getByText('Xem báo cáo')).toBeInTheDocument())
    const form = screen.getByLabelText('Vai trò').closest('form') as HTMLElement
    await pick(form, 'Vai trò', 'Cán bộ cơ quan')
    // The user's own unit is proposed as the scope.
    await waitFor(() => expect(within(form).getByText('Sở Giao thông vận tải')).toBeInTheDocument())
    fireEvent.click(button(form, 'Cấp quyền'))
    await waitFor(() => expect(posted).toEqual([{ role: 'agency_officer', unit_id: 7 }]))
    const added = await within(table).findByText('Cán bộ cơ quan')
    expect(within(added.closest('tr') as HTMLElement).getByText('Sở Giao thông vận tải')).toBeInTheDocument()

    const viewer = within(table).getByText('Xem báo cáo').closest('tr') as HTMLElement
    await confirmed(viewer, 'Thu hồi', 'Thu hồi quyền Xem báo cáo tại Tỉnh Phú Thọ?')
    await waitFor(() => expect(api.seen).toContain('DELETE /api/v1/users/12/grants/40'))
    await waitFor(() => expect(within(table).queryByText('Xem báo cáo')).toBeNull())
  })

  it('offers only the roles the caller may delegate', async () => {
    fakeApi(
      withUsers({
        'GET /api/v1/me': {
          body: {
            ...ADMIN,
            grants: [{ id: 2, role: 'agency_leader', role_label: 'Lãnh đạo cơ quan', unit_id: 7, unit_name: 'Sở Giao thông vận tải' }],
          },
        },
        'GET /api/v1/users/12': { body: USERS[0] },
        'GET /api/v1/users/12/grants': { body: [] },
      }),
    )
    renderAt('/admin?tab=users&user=12')
    await waitFor(() => expect(screen.getByText('Chưa được cấp quyền nào')).toBeInTheDocument())
    fireEvent.mouseDown(screen.getByLabelText('Vai trò'))
    await waitFor(() => expect(document.querySelectorAll('.ant-select-item-option')).toHaveLength(2))
    const options = Array.from(document.querySelectorAll('.ant-select-item-option')).map((o) => o.textContent)
    expect(options).toEqual(['Cán bộ cơ quan', 'Xem báo cáo'])
    // An agency leader has no board tokens nor the audit log.
    const tabs = Array.from(document.querySelectorAll('[role="tab"]')).map((t) => t.textContent)
    expect(tabs).toEqual(['Đơn vị', 'Người dùng'])
  })

  it('shows the empty state', async () => {
    fakeApi(base({ 'GET /api/v1/users': { body: PAGE([]) } }))
    renderAt('/admin?tab=users')
    expect(await screen.findAllByText('Không có dữ liệu')).not.toHaveLength(0)
  })
})

describe('administration: service accounts and board tokens', () => {
  it('shows a created board token once, with the board address', async () => {
    const posted: unknown[] = []
    fakeApi(
      base({
        'GET /api/v1/service-accounts': { body: [] },
        'GET /api/v1/board-tokens': {
          body: [
            {
              id: 3,
              name: 'Màn hình phòng họp UBND tỉnh',
              unit_id: 1,
              created_at: '2026-01-02T01:00:00',
              last_used_at: null,
              revoked_at: null,
            },
          ],
        },
        'POST /api/v1/board-tokens': recording(posted, {
          status: 201,
          body: {
            board_token: { id: 4, name: 'Màn hình Sở Giao thông', unit_id: 7, created_at: '2026-11-20T01:00:00' },
            token: 'brd_Zx81kQ',
          },
        }),
      }),
    )
    renderAt('/admin?tab=tokens')
    const boards = await screen.findByTestId('board-tokens')
    const row = within(boards).getByText('Màn hình phòng họp UBND tỉnh').closest('tr') as HTMLElement
    expect(within(row).getByText('Chưa dùng')).toBeInTheDocument()
    await waitFor(() => expect(within(row).getByText('Phú Thọ')).toBeInTheDocument())
    // No service account yet: the empty state.
    expect(within(await screen.findByTestId('service-accounts')).getByText('Không có dữ liệu')).toBeInTheDocument()

    const dialog = await openDialog('Cấp mã bảng tin')
    fill(dialog, { Tên: 'Màn hình Sở Giao thông' })
    await pick(dialog, 'Cơ quan ban hành (bảng tin của đơn vị)', 'Sở Giao thông vận tải')
    fireEvent.click(button(dialog, 'Lưu'))
    await waitFor(() => expect(posted).toEqual([{ name: 'Màn hình Sở Giao thông', unit_id: 7 }]))
    const secret = await within(dialog).findByTestId('one-time-secret')
    expect(within(secret).getByText('Chỉ hiển thị một lần')).toBeInTheDocument()
    expect(within(secret).getByText('brd_Zx81kQ')).toBeInTheDocument()
    const url = new URL('/board?token=brd_Zx81kQ', window.location.origin).toString()
    expect(within(secret).getByText(url)).toBeInTheDocument()
    expect(within(dialog).getByText('Mở bảng tin').closest('a')).toHaveAttribute('href', url)
    expect(secret.querySelectorAll('.ant-typography-copy')).toHaveLength(2)
    // Closed, the token is gone for good: the dialog opens on an empty form.
    fireEvent.click(button(dialog, 'Tôi đã lưu, đóng'))
    const again = await openDialog('Cấp mã bảng tin')
    expect(await within(again).findByLabelText('Tên')).toHaveValue('')
    expect(within(again).queryByText('brd_Zx81kQ')).toBeNull()
  })

  it('creates a service account and shows its key once; revokes one', async () => {
    const posted: unknown[] = []
    const api = fakeApi(
      base({
        'GET /api/v1/board-tokens': { body: [] },
        'GET /api/v1/service-accounts': {
          body: [
            {
              id: 5,
              name: 'Cổng dịch vụ công tỉnh',
              description: 'Đồng bộ hồ sơ',
              active: true,
              created_at: '2026-01-02T01:00:00',
              last_used_at: '2026-11-19T08:00:00',
              revoked_at: null,
              grants: [{ id: 9, role: 'viewer', role_label: 'Xem báo cáo', unit_id: 1, unit_name: 'Tỉnh Phú Thọ' }],
            },
          ],
        },
        'POST /api/v1/service-accounts': recording(posted, {
          status: 201,
          body: {
            account: { id: 6, name: 'Phần mềm văn bản', description: '', active: true, created_at: '2026-11-20T01:00:00', grants: [] },
            key: 'sa_9f8e7d6c',
          },
        }),
        'POST /api/v1/service-accounts/5/revoke': { body: {} },
      }),
    )
    renderAt('/admin?tab=tokens')
    const table = await screen.findByTestId('service-accounts')
    const row = (await within(table).findByText('Cổng dịch vụ công tỉnh')).closest('tr') as HTMLElement
    expect(within(row).getByText('Xem báo cáo')).toBeInTheDocument()
    expect(within(row).getByText(formatDateTime('2026-11-19T08:00:00Z'))).toBeInTheDocument()

    await confirmed(row, 'Thu hồi', /Thu hồi tài khoản Cổng dịch vụ công tỉnh\?/)
    await waitFor(() => expect(api.seen).toContain('POST /api/v1/service-accounts/5/revoke'))

    const dialog = await openDialog('Thêm tài khoản dịch vụ')
    fill(dialog, { Tên: 'Phần mềm văn bản' })
    await pick(dialog, 'Đơn vị', 'Tỉnh Phú Thọ')
    fireEvent.click(button(dialog, 'Lưu'))
    await waitFor(() =>
      expect(posted).toEqual([{ name: 'Phần mềm văn bản', description: '', role: 'viewer', unit_id: 1 }]),
    )
    await waitFor(() => expect(within(dialog).getByText('sa_9f8e7d6c')).toBeInTheDocument())
    expect(within(dialog).getByText('Chỉ hiển thị một lần')).toBeInTheDocument()
  })
})

describe('administration: units', () => {
  it('shows a unit with its ancestors, children and lineage', async () => {
    const api = fakeApi(
      base({
        'GET /api/v1/org-units/300': detail(HOA_BINH),
        'GET /api/v1/org-units/300/predecessors': {
          body: [
            { unit: TAN_SON, effective_date: '2025-07-01', weight: null, note: 'Sáp nhập' },
            { unit: KIM_THUONG, effective_date: '2025-07-01', weight: null, note: 'Sáp nhập' },
          ],
        },
        'GET /api/v1/org-units/300/successors': { body: [] },
        'GET /api/v1/org-units/101': detail(TAN_SON),
        'GET /api/v1/org-units/101/predecessors': { body: [] },
        'GET /api/v1/org-units/101/successors': {
          body: [{ unit: HOA_BINH, effective_date: '2025-07-01', weight: 100, note: 'Sáp nhập' }],
        },
      }),
    )
    renderAt('/admin?tab=units&unit=300')
    const details = await screen.findByTestId('unit-details')
    expect(button(details, 'Tỉnh Phú Thọ')).toBeInTheDocument()
    expect(within(details).getByText('07912')).toBeInTheDocument()

    const predecessors = region('Hình thành từ (đơn vị tiền thân)')
    const tanSon = (await findButton(predecessors, 'Xã Tân Sơn')).closest('tr') as HTMLElement
    expect(within(tanSon).getByText('01/07/2025')).toBeInTheDocument()
    expect(within(tanSon).getByText('Sáp nhập')).toBeInTheDocument()
    expect(button(predecessors, 'Xã Kim Thượng')).toBeInTheDocument()
    const successors = region('Đã sáp nhập, chia tách vào (đơn vị kế thừa)')
    await waitFor(() => expect(within(successors).getByText('Không sáp nhập, chia tách vào đơn vị nào')).toBeInTheDocument())
    const children = region('Đơn vị trực thuộc')
    expect(await findButton(children, 'Thôn Xuân Thắng')).toBeInTheDocument()
    expect(api.seen.some((s) => s.startsWith('GET /api/v1/org-units?') && s.includes('parent_id=300'))).toBe(true)

    // The old commune: closed, merged into the new one.
    fireEvent.click(button(predecessors, 'Xã Tân Sơn'))
    const hoaBinh = (
      await waitFor(() => button(region('Đã sáp nhập, chia tách vào (đơn vị kế thừa)'), 'Xã Hòa Bình'))
    ).closest('tr') as HTMLElement
    expect(within(hoaBinh).getByText('01/07/2025')).toBeInTheDocument()
    expect(within(hoaBinh).getByText('100')).toBeInTheDocument()
    const tanSonDetails = screen.getByTestId('unit-details')
    expect(within(tanSonDetails).getByText('30/06/2025')).toBeInTheDocument()
    expect(within(tanSonDetails).getByText('Đã giải thể')).toBeInTheDocument()
    // A closed unit cannot be renamed or closed again.
    expect(() => button(tanSonDetails, 'Đổi tên')).toThrow()
  })

  it('searches, filters by level and shows the tree as of a date', async () => {
    const api = fakeApi(base({}))
    renderAt('/admin?tab=units&kind=commune&as_of=2025-06-30')
    expect(await findButton(document.body, 'Xem Xã Tân Sơn')).toBeInTheDocument()
    const list = () =>
      api.seen
        .filter((s) => s.startsWith('GET /api/v1/org-units?'))
        .map(queryOf)
        .filter((q) => q.get('limit') === '20')
    expect(list()[0].get('kind')).toBe('commune')
    expect(list()[0].get('as_of')).toBe('2025-06-30')
    search('Tìm đơn vị', 'tan son')
    await waitFor(() =>
      expect(list().some((q) => q.get('q') === 'tan son' && q.get('kind') === 'commune' && q.get('as_of') === '2025-06-30')).toBe(true),
    )
  })

  it('merges units into an existing one and shows the API refusal', async () => {
    const posted: unknown[] = []
    fakeApi(
      base({
        'GET /api/v1/org-units/101': detail(unit(101, 'Xã Tân Sơn', { code: '07900' })),
        'GET /api/v1/org-units/101/predecessors': { body: [] },
        'GET /api/v1/org-units/101/successors': { body: [] },
        'GET /api/v1/org-units/300': detail(HOA_BINH),
        'POST /api/v1/org-units/merges': recording(
          posted,
          problem(409, 'conflict', 'Conflict', 'Còn 3 đơn vị trực thuộc đang hoạt động (Thôn 1…): giải thể hoặc chuyển chúng trước'),
        ),
      }),
    )
    renderAt('/admin?tab=units&unit=101')
    const dialog = await openDialog('Sáp nhập đơn vị này', 'Sáp nhập đơn vị')
    // The unit is already among those merged.
    await waitFor(() => expect(within(dialog).getByText('Tân Sơn')).toBeInTheDocument())
    await pick(dialog, 'Đơn vị tiếp nhận', 'Xã Hòa Bình')
    const date = within(dialog).getByLabelText('Ngày hiệu lực')
    fireEvent.mouseDown(date)
    fireEvent.change(date, { target: { value: '01/07/2025' } })
    enter(date)
    fireEvent.click(within(dialog).getByLabelText(/Chuyển các đơn vị trực thuộc/))
    fireEvent.click(button(dialog, 'Sáp nhập đơn vị'))
    await waitFor(() =>
      expect(posted).toEqual([
        {
          predecessor_ids: [101],
          successor_id: 300,
          new_unit: null,
          effective_date: '2025-07-01',
          move_children: false,
        },
      ]),
    )
    expect(await findAlert(dialog)).toHaveTextContent('Còn 3 đơn vị trực thuộc đang hoạt động')
  })

  it('shows the API field errors of a new unit on its fields', async () => {
    const posted: unknown[] = []
    fakeApi(
      base({
        'POST /api/v1/org-units': recording(posted, invalid([{ field: 'code', code: 'code', message: 'Mã đơn vị gồm 1 đến 10 chữ số' }])),
      }),
    )
    renderAt('/admin?tab=units')
    const dialog = await openDialog('Thêm đơn vị')
    fill(dialog, { 'Tên đơn vị': 'Xã Xuân Đài', 'Loại hình': 'xã', 'Mã đơn vị': '7A' })
    await pick(dialog, 'Đơn vị cấp trên', 'Tỉnh Phú Thọ')
    fireEvent.click(button(dialog, 'Lưu'))
    await waitFor(() =>
      expect(posted).toEqual([
        {
          parent_id: 1,
          name: 'Xã Xuân Đài',
          short_name: null,
          kind: 'commune',
          unit_type: 'xã',
          code: '7A',
          valid_from: null,
          alt_names: [],
        },
      ]),
    )
    await waitFor(() => expect(fieldError(dialog, 'Mã đơn vị', 'Mã đơn vị gồm 1 đến 10 chữ số')).toBeInTheDocument())
  })
})

describe('administration: audit log', () => {
  const RECORD = {
    id: 77,
    at: '2026-11-20T03:05:00',
    actor_kind: 'user',
    actor_id: 1,
    actor_name: 'Nguyễn Văn Quản',
    action: 'org_unit.rename',
    entity: 'org_unit',
    entity_id: '300',
    before: { name: 'Xã Hoà Bình' },
    after: { name: 'Xã Hòa Bình' },
    request_id: 'req-1',
    client_addr: '10.0.0.5',
    hash: 'ab12',
  }

  it('lists the log with Vietnamese actions, the time and the details', async () => {
    const api = fakeApi(base({ 'GET /api/v1/audit': { body: { items: [RECORD], total: 1, limit: 50, offset: 0 } } }))
    renderAt('/admin?tab=audit&entity=org_unit&from=2026-11-01&to=2026-11-30')
    const table = await screen.findByTestId('audit')
    const row = (await within(table).findByText('Đổi tên đơn vị')).closest('tr') as HTMLElement
    expect(within(row).getByText(formatDateTime('2026-11-20T03:05:00Z'))).toBeInTheDocument()
    expect(within(row).getByText('Nguyễn Văn Quản')).toBeInTheDocument()
    expect(within(row).getByText('Đơn vị #300')).toBeInTheDocument()
    const call = api.seen.find((s) => s.startsWith('GET /api/v1/audit?')) ?? ''
    const query = queryOf(call)
    expect(query.get('entity')).toBe('org_unit')
    expect(query.get('limit')).toBe('50')
    // Times as the API reads them: UTC, no zone.
    expect(query.get('from')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    expect(new Date(`${query.get('from')}Z`).getTime()).toBe(new Date(2026, 10, 1).getTime())
    expect(new Date(`${query.get('to')}Z`).getTime()).toBe(new Date(2026, 10, 30, 23, 59, 59).getTime())

    fireEvent.click(row.querySelector('.ant-table-row-expand-icon') as HTMLElement)
    await waitFor(() => expect(screen.getByText(/"name": "Xã Hoà Bình"/)).toBeInTheDocument())
    expect(screen.getByText(/"name": "Xã Hòa Bình"/)).toBeInTheDocument()
    expect(screen.getByText('ab12')).toBeInTheDocument()

    fireEvent.click(button(row, 'Xem lịch sử đối tượng này: Đơn vị #300'))
    await waitFor(() =>
      expect(api.seen.some((s) => s.startsWith('GET /api/v1/audit?') && s.includes('entity_id=300'))).toBe(true),
    )
  })

  it('shows the error state when the API refuses', async () => {
    fakeApi(
      base({
        'GET /api/v1/audit': problem(403, 'forbidden', 'Forbidden', 'Không đủ quyền xem nhật ký'),
      }),
    )
    renderAt('/admin?tab=audit')
    await waitFor(() => expect(screen.getByText('Bạn không có quyền xem trang này')).toBeInTheDocument())
    expect(screen.getByText('Không đủ quyền xem nhật ký')).toBeInTheDocument()
    expect(button(document.body, 'Thử lại')).toBeInTheDocument()
  })

  it('shows the error state with a retry when the server fails', async () => {
    fakeApi(
      base({
        'GET /api/v1/service-accounts': problem(503, 'service_unavailable', 'Unavailable', 'Cơ sở dữ liệu không phản hồi'),
        'GET /api/v1/board-tokens': { body: [] },
      }),
    )
    renderAt('/admin?tab=tokens')
    await waitFor(() => expect(screen.getByText('Không tải được dữ liệu')).toBeInTheDocument(), { timeout: 8000 })
    expect(screen.getByText('Cơ sở dữ liệu không phản hồi')).toBeInTheDocument()
    expect(button(document.body, 'Thử lại')).toBeInTheDocument()
  })

  it('reads its filters from the address', () => {
    const { page, query } = auditQuery(new URLSearchParams('page=3&actor_id=x&action=user.create&from=bad'))
    expect(page).toBe(3)
    expect(query).toMatchObject({ action: 'user.create', actor_id: undefined, from: undefined, offset: 100, limit: 50 })
  })
})

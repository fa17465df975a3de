import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import { makeQueryClient, Providers } from '../../App'
import { fakeApi, ME, signedIn } from '../../test/api'
import { filtersFrom, TaskListPage } from './TaskListPage'
import { TaskPage } from './TaskPage'
import { TaskStatsPage } from './TaskStatsPage'

const TASK = {
  id: 7,
  directive_id: 1,
  parent_task_id: null,
  content: 'Rà soát giải ngân vốn đầu tư công',
  issuing_unit_id: 1,
  office_unit_id: 2,
  lead_unit_id: 3,
  coordinating_unit_ids: [],
  specialist_id: 4,
  original_deadline: '2026-11-30',
  deadline: '2026-11-30',
  reporting_cycle: null,
  priority: 'normal',
  tags: [],
  state: 'in_progress',
  progress_percent: 40,
  has_difficulty: true,
  completed_on: null,
  timeliness: 'overdue',
  colour: 'red',
  version: 3,
}

const UNIT = {
  id: 3,
  code: null,
  name: 'Sở Tài chính',
  short_name: 'Sở Tài chính',
  kind: 'agency',
  unit_type: 'sở',
  parent_id: 1,
  depth: 1,
  valid_from: '2025-07-01',
  valid_to: null,
  alt_names: [],
  ancestors: [],
}

function renderAt(path: string) {
  signedIn()
  return render(
    <Providers client={makeQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/tasks" element={<TaskListPage />} />
          <Route path="/tasks/:id" element={<TaskPage />} />
          <Route path="/task-stats" element={<TaskStatsPage />} />
        </Routes>
      </MemoryRouter>
    </Providers>,
  )
}

describe('task list', () => {
  it('reads its filters from the address', () => {
    const { page, query } = filtersFrom(
      new URLSearchParams('state=in_progress&timeliness=overdue&lead_unit_id=3&page=3&q=giải ngân&bad=1'),
    )
    expect(page).toBe(3)
    expect(query).toMatchObject({
      state: 'in_progress',
      timeliness: 'overdue',
      lead_unit_id: 3,
      q: 'giải ngân',
      limit: 20,
      offset: 40,
    })
    expect(filtersFrom(new URLSearchParams('lead_unit_id=x&page=-2')).query).toMatchObject({
      lead_unit_id: undefined,
      offset: 0,
    })
  })

  it('asks the API with the filters and colours the timeliness', async () => {
    const api = fakeApi({
      'GET /api/v1/me': { body: ME },
      'GET /api/v1/tasks': { body: { items: [TASK], total: 1, limit: 20, offset: 0 } },
      'GET /api/v1/org-units/3': { body: UNIT },
      'GET /api/v1/org-units': { body: { items: [], total: 0, limit: 30, offset: 0 } },
    })
    renderAt('/tasks?timeliness=overdue&state=in_progress')
    const link = await screen.findByRole('link', { name: TASK.content })
    expect(link).toHaveAttribute('href', '/tasks/7')
    const row = link.closest('tr') as HTMLElement
    const tag = within(row).getByText('Quá hạn')
    expect(tag).toHaveAttribute('data-timeliness', 'overdue')
    expect(tag.className).toContain('error')
    expect(within(row).getByText('30/11/2026')).toBeInTheDocument()
    expect(await within(row).findByText('Sở Tài chính')).toBeInTheDocument()
    expect(within(row).getByText('Có khó khăn')).toBeInTheDocument()
    const listCall = api.seen.find((s) => s.startsWith('GET /api/v1/tasks?')) ?? ''
    expect(listCall).toContain('timeliness=overdue')
    expect(listCall).toContain('state=in_progress')
    expect(listCall).toContain('limit=20')
  })

  it('shows the empty state', async () => {
    fakeApi({
      'GET /api/v1/tasks': { body: { items: [], total: 0, limit: 20, offset: 0 } },
      'GET /api/v1/org-units': { body: { items: [], total: 0, limit: 30, offset: 0 } },
    })
    renderAt('/tasks')
    expect(await screen.findAllByText('Không có dữ liệu')).not.toHaveLength(0)
  })

  it('shows the error state with a retry', async () => {
    fakeApi({
      'GET /api/v1/tasks': {
        status: 503,
        body: { type: '/problems/service_unavailable', title: 'Unavailable', status: 503, code: 'service_unavailable', detail: 'Cơ sở dữ liệu không phản hồi' },
      },
      'GET /api/v1/org-units': { body: { items: [], total: 0, limit: 30, offset: 0 } },
    })
    renderAt('/tasks')
    expect(await screen.findByText('Không tải được dữ liệu', {}, { timeout: 5000 })).toBeInTheDocument()
    expect(screen.getByText('Cơ sở dữ liệu không phản hồi')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Thử lại' })).toBeInTheDocument()
  })
})

describe('task statistics', () => {
  const counts = { total: 3, on_time: 1, due_soon: 0, overdue: 1, completed_on_time: 1, completed_late: 0, no_deadline: 0 }
  const stats = (period: string) => ({
    group_by: 'lead_unit',
    basis: 'current',
    period,
    as_of: '2026-12-03',
    rows: [{ key: '3', label: 'Sở Tài chính', counts, on_time_rate_bp: 10000 }],
    total: { key: 'total', label: 'Tổng cộng', counts, on_time_rate_bp: 10000 },
  })

  it("asks for the year's work by default and for all time when chosen", async () => {
    const api = fakeApi({
      'GET /api/v1/task-stats': (req) => ({ body: stats(new URL(req.url).searchParams.get('period') ?? '') }),
    })
    renderAt('/task-stats')
    expect(await screen.findAllByText('Sở Tài chính')).not.toHaveLength(0)
    expect(screen.getByText('Năm nay (đang thực hiện và đã kết thúc từ 01/01)')).toBeInTheDocument()
    expect(api.seen.filter((s) => s.startsWith('GET /api/v1/task-stats?'))).toEqual([
      'GET /api/v1/task-stats?group_by=lead_unit&period=current',
    ])
    fireEvent.mouseDown(screen.getByRole('combobox', { name: 'Phạm vi thời gian' }))
    fireEvent.click(await screen.findByTitle('Toàn bộ nhiệm vụ từ trước đến nay'))
    await waitFor(() =>
      expect(api.seen).toContain('GET /api/v1/task-stats?group_by=lead_unit&period=all'),
    )
  })
})

describe('task page', () => {
  const detail = {
    ...TASK,
    parties: ['specialist'],
    available_actions: ['remind', 'comment'],
    children: [],
    attachments: [],
    timeline: [
      {
        id: 1,
        kind: 'report_progress',
        actor_id: 9,
        actor_name: 'Đỗ Thị Hương',
        at: '2026-11-20T03:00:00Z',
        note: 'Đã rà soát 12/20 dự án',
        percent: 40,
        requested_deadline: null,
        approved: null,
        from_state: 'assigned',
        to_state: 'in_progress',
        late: false,
        attachments: [],
      },
    ],
  }

  it('shows the timeline and only the actions the API allows', async () => {
    fakeApi({
      'GET /api/v1/tasks/7': { body: detail },
      'GET /api/v1/org-units/3': { body: UNIT },
    })
    renderAt('/tasks/7')
    expect(await screen.findByRole('heading', { name: TASK.content })).toBeInTheDocument()
    expect(screen.getByTestId('task-state')).toHaveTextContent('Đang thực hiện')
    expect(screen.getByText('Đã rà soát 12/20 dự án')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Nhắc nhở' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Ý kiến' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Xác nhận hoàn thành' })).toBeNull()
  })

  it('requires the note of a reminder and posts it', async () => {
    const posted: unknown[] = []
    fakeApi({
      'GET /api/v1/tasks/7': { body: detail },
      'GET /api/v1/org-units/3': { body: UNIT },
      'POST /api/v1/tasks/7/actions': (req) => {
        void req.json().then((b) => posted.push(b))
        return { body: { ...detail, timeline: [] } }
      },
    })
    renderAt('/tasks/7')
    fireEvent.click(await screen.findByRole('button', { name: 'Nhắc nhở' }))
    const dialog = await screen.findByRole('dialog')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Nhắc nhở' }))
    expect(await within(dialog).findByText('Bắt buộc nhập')).toBeInTheDocument()
    fireEvent.change(within(dialog).getByLabelText('Nội dung'), { target: { value: 'Đề nghị báo cáo trước 05/12' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Nhắc nhở' }))
    await waitFor(() => expect(posted).toEqual([{ action: 'remind', note: 'Đề nghị báo cáo trước 05/12' }]))
  })

  it('puts the API field errors on the form', async () => {
    fakeApi({
      'GET /api/v1/tasks/7': { body: { ...detail, available_actions: ['comment'] } },
      'GET /api/v1/org-units/3': { body: UNIT },
      'POST /api/v1/tasks/7/actions': {
        status: 422,
        body: {
          type: '/problems/validation_failed',
          title: 'Invalid',
          status: 422,
          code: 'validation_failed',
          detail: 'Dữ liệu không hợp lệ',
          errors: [{ field: 'note', code: 'length', message: 'Ý kiến quá dài' }],
        },
      },
    })
    renderAt('/tasks/7')
    fireEvent.click(await screen.findByRole('button', { name: 'Ý kiến' }))
    const dialog = await screen.findByRole('dialog')
    fireEvent.change(within(dialog).getByLabelText('Nội dung'), { target: { value: 'x' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Ý kiến' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Dữ liệu không hợp lệ')
    expect(await within(dialog).findByText('Ý kiến quá dài', { selector: '.ant-form-item-explain-error' })).toBeInTheDocument()
  })
})

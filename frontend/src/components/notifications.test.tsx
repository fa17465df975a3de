import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import { makeQueryClient, Providers } from '../App'
import { fakeApi, signedIn } from '../test/api'
import { NotificationBell } from './Notifications'

describe('notification bell', () => {
  it('shows the unread count, opens the task and marks it read', async () => {
    signedIn()
    const api = fakeApi({
      'GET /api/v1/notifications': {
        body: {
          items: [
            {
              id: 5,
              kind: 'overdue',
              task_id: 42,
              ntm_evaluation_id: null,
              title: 'Nhiệm vụ đã quá hạn 15/11/2026',
              body: 'Rà soát hồ sơ giải ngân',
              created_at: '2026-11-16T01:00:00Z',
              read_at: null,
            },
          ],
          total: 1,
          unread: 3,
          limit: 10,
          offset: 0,
        },
      },
      'POST /api/v1/notifications/5/read': { status: 204 },
    })
    render(
      <Providers client={makeQueryClient()}>
        <MemoryRouter initialEntries={['/']}>
          <Routes>
            <Route path="/" element={<NotificationBell />} />
            <Route path="/tasks/:id" element={<p>trang nhiệm vụ</p>} />
          </Routes>
        </MemoryRouter>
      </Providers>,
    )
    expect(await screen.findByText('3')).toBeInTheDocument()
    fireEvent.click(screen.getByRole('button', { name: 'Thông báo' }))
    fireEvent.click(await screen.findByText('Nhiệm vụ đã quá hạn 15/11/2026'))
    expect(await screen.findByText('trang nhiệm vụ')).toBeInTheDocument()
    await waitFor(() => expect(api.seen).toContain('POST /api/v1/notifications/5/read'))
  })
})

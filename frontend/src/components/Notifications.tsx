// The bell: unread count polled each minute, the latest notifications in a
// popover, each leading to its task or evaluation and marked read on the
// way; all read at once.
import { BellOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Badge, Button, List, Popover, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import { api, unwrap, type Schemas } from '../api/client'
import { formatDateTime } from '../format'
import { EmptyState, QueryView } from './status'

type Notification = Schemas['Notification']

export function NotificationBell() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const notifications = useQuery({
    queryKey: ['notifications'],
    refetchInterval: 60_000,
    queryFn: async () => unwrap(await api.GET('/api/v1/notifications', { params: { query: { limit: 10 } } })),
  })
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['notifications'] })
  const read = useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: refresh,
  })
  const readAll = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/notifications/read-all')),
    onSuccess: refresh,
  })
  const open = (n: Notification) => {
    if (!n.read_at) read.mutate(n.id)
    if (n.task_id) void navigate(`/tasks/${n.task_id}`)
    else if (n.ntm_evaluation_id) void navigate(`/ntm/evaluations/${n.ntm_evaluation_id}`)
  }
  const unread = notifications.data?.unread ?? 0
  const content = (
    <div style={{ width: 380, maxHeight: 420, overflow: 'auto' }}>
      <QueryView query={notifications}>
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState description={t('notifications.none')} />
          ) : (
            <List
              dataSource={page.items}
              renderItem={(n) => (
                <List.Item
                  onClick={() => open(n)}
                  style={{ cursor: 'pointer', fontWeight: n.read_at ? 400 : 600 }}
                  data-testid="notification"
                >
                  <List.Item.Meta
                    title={n.title}
                    description={
                      <>
                        <div>{n.body}</div>
                        <Typography.Text type="secondary">{formatDateTime(n.created_at)}</Typography.Text>
                      </>
                    }
                  />
                </List.Item>
              )}
            />
          )
        }
      </QueryView>
      {unread > 0 && (
        <Button type="link" onClick={() => readAll.mutate()} loading={readAll.isPending}>
          {t('notifications.readAll')}
        </Button>
      )}
    </div>
  )
  return (
    <Popover content={content} title={t('notifications.title')} trigger="click" placement="bottomRight">
      <Badge count={unread} size="small">
        <Button icon={<BellOutlined />} aria-label={t('notifications.title')} />
      </Badge>
    </Popover>
  )
}

// The task list with the API's filters, kept in the address so a filtered
// view can be bookmarked and shared; timeliness colour-coded.
import { DownloadOutlined, PlusOutlined, WarningOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Button, DatePicker, Input, Progress, Select, Space, Table, Tag, Typography } from 'antd'
import dayjs from 'dayjs'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { api, download, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { EmptyState, LoadError } from '../../components/status'
import { TimelinessTag } from '../../components/TimelinessTag'
import { UnitName, UnitPicker } from '../../components/units'
import { formatDate } from '../../format'

type Task = Schemas['Task']
type TaskState = Schemas['TaskState']
type Timeliness = Schemas['Timeliness']
type Sort = Schemas['TaskSortParam']

const STATES: TaskState[] = [
  'assigned',
  'in_progress',
  'completion_proposed',
  'reviewed',
  'completed',
  'decline_proposed',
  'cancelled',
]
const TIMELINESS: Timeliness[] = [
  'on_time',
  'due_soon',
  'overdue',
  'completed_on_time',
  'completed_late',
  'no_deadline',
]
const PAGE_SIZE = 20

/** The filters as the address holds them, typed for the API. */
export function filtersFrom(params: URLSearchParams) {
  const int = (key: string) => {
    const v = Number(params.get(key))
    return params.get(key) && Number.isInteger(v) ? v : undefined
  }
  const page = Math.max(1, int('page') ?? 1)
  return {
    page,
    query: {
      q: params.get('q') || undefined,
      state: (params.get('state') as TaskState | null) ?? undefined,
      timeliness: (params.get('timeliness') as Timeliness | null) ?? undefined,
      lead_unit_id: int('lead_unit_id'),
      directive_id: int('directive_id'),
      deadline_from: params.get('deadline_from') || undefined,
      deadline_to: params.get('deadline_to') || undefined,
      sort: (params.get('sort') as Sort | null) ?? undefined,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    },
  }
}

export function TaskListPage() {
  const { t } = useTranslation()
  const { hasRole } = useAuth()
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams()
  const { page, query } = filtersFrom(params)
  const tasks = useQuery({
    queryKey: ['tasks', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/tasks', { params: { query } })),
    placeholderData: (previous) => previous,
  })

  function set(key: string, value: string | number | undefined | null) {
    const next = new URLSearchParams(params)
    if (value === undefined || value === null || value === '') next.delete(key)
    else next.set(key, String(value))
    if (key !== 'page') next.delete('page')
    setParams(next)
  }

  const exportQuery = new URLSearchParams(
    Object.entries(query).flatMap(([k, v]) =>
      v === undefined || k === 'limit' || k === 'offset' ? [] : [[k, String(v)]],
    ),
  )

  const columns = [
    {
      title: t('tasks.content'),
      dataIndex: 'content',
      render: (content: string, task: Task) => (
        <Space orientation="vertical" size={0}>
          <Link to={`/tasks/${task.id}`}>{content}</Link>
          {task.has_difficulty && (
            <Tag icon={<WarningOutlined />} color="warning">
              {t('tasks.difficulty')}
            </Tag>
          )}
        </Space>
      ),
    },
    {
      title: t('tasks.lead'),
      dataIndex: 'lead_unit_id',
      width: 180,
      render: (id: number) => <UnitName id={id} />,
    },
    {
      title: t('tasks.deadline'),
      dataIndex: 'deadline',
      width: 120,
      render: (deadline: string | null) => (deadline ? formatDate(deadline) : t('tasks.standing')),
    },
    {
      title: t('tasks.state'),
      dataIndex: 'state',
      width: 160,
      render: (state: TaskState) => t(`state.${state}`),
    },
    {
      title: t('tasks.timeliness'),
      dataIndex: 'timeliness',
      width: 170,
      render: (_: Timeliness, task: Task) => (
        <TimelinessTag timeliness={task.timeliness} colour={task.colour} />
      ),
    },
    {
      title: t('tasks.progress'),
      dataIndex: 'progress_percent',
      width: 120,
      render: (p: number) => <Progress percent={p} size="small" />,
    },
  ]

  return (
    <section>
      <Space style={{ justifyContent: 'space-between', width: '100%' }} align="center">
        <Typography.Title level={2}>{t('tasks.title')}</Typography.Title>
        {hasRole('office_specialist', 'office_leader') && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => void navigate('/directives/new')}>
            {t('directive.new')}
          </Button>
        )}
      </Space>
      <Space wrap className="filters">
        <Input.Search
          allowClear
          defaultValue={query.q}
          placeholder={t('tasks.searchPlaceholder')}
          aria-label={t('common.search')}
          onSearch={(v) => set('q', v.trim())}
          style={{ width: 280 }}
        />
        <Select
          allowClear
          placeholder={t('tasks.state')}
          aria-label={t('tasks.state')}
          value={query.state}
          onChange={(v) => set('state', v)}
          options={STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))}
          style={{ width: 200 }}
        />
        <Select
          allowClear
          placeholder={t('tasks.timeliness')}
          aria-label={t('tasks.timeliness')}
          value={query.timeliness}
          onChange={(v) => set('timeliness', v)}
          options={TIMELINESS.map((s) => ({ value: s, label: t(`timeliness.${s}`) }))}
          style={{ width: 200 }}
        />
        <UnitPicker
          kind="agency"
          placeholder={t('tasks.lead')}
          value={query.lead_unit_id}
          onChange={(v) => set('lead_unit_id', v)}
        />
        <DatePicker.RangePicker
          format="DD/MM/YYYY"
          placeholder={[t('tasks.deadlineFrom'), t('tasks.deadlineTo')]}
          value={[
            query.deadline_from ? dayjs(query.deadline_from) : null,
            query.deadline_to ? dayjs(query.deadline_to) : null,
          ]}
          onChange={(range) => {
            const next = new URLSearchParams(params)
            for (const [i, key] of ['deadline_from', 'deadline_to'].entries()) {
              const day = range?.[i]
              if (day) next.set(key, day.format('YYYY-MM-DD'))
              else next.delete(key)
            }
            next.delete('page')
            setParams(next)
          }}
        />
        <Select
          aria-label={t('tasks.sort')}
          value={query.sort ?? 'deadline'}
          onChange={(v) => set('sort', v === 'deadline' ? undefined : v)}
          options={[
            { value: 'deadline', label: t('tasks.sortDeadline') },
            { value: 'deadline_desc', label: t('tasks.sortDeadlineDesc') },
            { value: 'created', label: t('tasks.sortCreated') },
            { value: 'created_desc', label: t('tasks.sortCreatedDesc') },
          ]}
          style={{ width: 160 }}
        />
        <Button onClick={() => setParams(new URLSearchParams())}>{t('common.clear')}</Button>
        <Button
          icon={<DownloadOutlined />}
          onClick={() => void download(`/api/v1/tasks/export.xlsx?${exportQuery}`, 'nhiem-vu.xlsx')}
        >
          {t('common.download')}
        </Button>
      </Space>
      {tasks.error ? (
        <LoadError error={tasks.error} retry={() => void tasks.refetch()} />
      ) : (
        <Table<Task>
          rowKey="id"
          loading={tasks.isFetching}
          dataSource={tasks.data?.items ?? []}
          columns={columns}
          locale={{ emptyText: <EmptyState /> }}
          scroll={{ x: 900 }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: tasks.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (count) => t('common.total', { count }),
            onChange: (p) => set('page', p === 1 ? undefined : p),
          }}
        />
      )}
    </section>
  )
}

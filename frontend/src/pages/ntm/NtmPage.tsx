// New Rural Development: the evaluations the caller may see, per round,
// with their status and criteria met; what awaits the caller's appraisal.
import { BarChartOutlined, SettingOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Card, Select, Space, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useSearchParams } from 'react-router'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { EmptyState, QueryView } from '../../components/status'

type Evaluation = Schemas['EvaluationSummary']
type Status = Schemas['EvaluationStatus']
type Awaiting = Schemas['AwaitingItem']

export const STATUS_COLOUR: Record<Status, string> = {
  draft: 'default',
  in_review: 'processing',
  returned: 'warning',
  completed: 'success',
  recorded: 'purple',
}

function AwaitingList() {
  const { t } = useTranslation()
  const awaiting = useQuery({
    queryKey: ['ntm-awaiting'],
    queryFn: async () => unwrap(await api.GET('/api/v1/ntm-reviews/awaiting')),
  })
  return (
    <Card title={t('ntm.awaiting')}>
      <QueryView query={awaiting}>
        {(items) => (
          <Table<Awaiting>
            rowKey={(i) => `${i.evaluation_id}-${i.number}`}
            size="small"
            dataSource={items}
            pagination={{ pageSize: 10, showSizeChanger: false }}
            locale={{ emptyText: <EmptyState description={t('dashboard.awaitingNone')} /> }}
            columns={[
              {
                title: t('ntm.unit'),
                dataIndex: 'unit_name',
                render: (name: string, i) => <Link to={`/ntm/evaluations/${i.evaluation_id}`}>{name}</Link>,
              },
              { title: t('ntm.round'), dataIndex: 'round_name' },
              { title: t('ntm.criterion'), render: (_, i) => `${i.number}. ${i.criterion_name}` },
              { title: t('ntm.stage'), dataIndex: 'stage_name' },
            ]}
          />
        )}
      </QueryView>
    </Card>
  )
}

/** The rounds, and the one opened last (the default where the address names none). */
export function useLatestRound() {
  const rounds = useQuery({
    queryKey: ['evaluation-rounds'],
    queryFn: async () => unwrap(await api.GET('/api/v1/evaluation-rounds')),
  })
  const latest = [...(rounds.data ?? [])].sort((a, b) => b.opens_on.localeCompare(a.opens_on))[0]?.id
  return { rounds, latest }
}

/** The round the address names (else the latest), and the select that changes it. */
export function useRoundParam() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const { rounds, latest } = useLatestRound()
  const roundId = Number(params.get('round_id')) || latest
  const roundSelect = (
    <Select
      aria-label={t('ntm.round')}
      loading={rounds.isPending}
      value={roundId}
      onChange={(v) => setParams({ round_id: String(v) })}
      options={(rounds.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
      style={{ width: 300 }}
    />
  )
  return { roundId, roundSelect }
}

export function NtmPage() {
  const { t } = useTranslation()
  const { hasRole } = useAuth()
  const { roundId, roundSelect } = useRoundParam()
  const evaluations = useQuery({
    queryKey: ['evaluations', roundId],
    enabled: roundId !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/evaluations', { params: { query: { round_id: roundId } } })),
  })
  return (
    <section>
      <Typography.Title level={2}>{t('ntm.title')}</Typography.Title>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        {hasRole('department_appraiser', 'ntm_coordinator', 'committee_leader') && <AwaitingList />}
        <Card
          title={t('ntm.evaluations')}
          extra={
            <Space wrap>
              {roundSelect}
              {hasRole('ntm_coordinator', 'system_admin') && (
                <Link to="/ntm/sets">
                  <SettingOutlined /> {t('ntmSetup.title')}
                </Link>
              )}
              {roundId && (
                <Link to={`/ntm/stats?round_id=${roundId}`}>
                  <BarChartOutlined /> {t('ntm.statsTitle')}
                </Link>
              )}
            </Space>
          }
        >
          <QueryView query={evaluations}>
            {(items) => (
              <Table<Evaluation>
                rowKey="id"
                size="small"
                dataSource={items}
                locale={{ emptyText: <EmptyState /> }}
                pagination={{ pageSize: 20, showSizeChanger: false }}
                columns={[
                  {
                    title: t('ntm.unit'),
                    dataIndex: 'unit_name',
                    render: (name: string, e) => <Link to={`/ntm/evaluations/${e.id}`}>{name}</Link>,
                  },
                  {
                    title: t('ntm.status'),
                    dataIndex: 'status',
                    render: (s: Status) => <Tag color={STATUS_COLOUR[s]}>{t(`ntm.statuses.${s}`)}</Tag>,
                  },
                  { title: t('ntm.criteriaMet'), dataIndex: 'criteria_met', align: 'right' },
                  {
                    title: t('ntm.allMet'),
                    dataIndex: 'all_met',
                    render: (v: boolean) => (v ? <Tag color="success">{t('common.yes')}</Tag> : t('common.no')),
                  },
                ]}
              />
            )}
          </QueryView>
        </Card>
      </Space>
    </section>
  )
}

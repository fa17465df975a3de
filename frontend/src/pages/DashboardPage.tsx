// The start screen: the tasks in the caller's scope by timeliness, and what
// awaits the caller's action (by role: tasks to accept, completions to
// review or confirm, NTM criteria to appraise).
import { useQuery } from '@tanstack/react-query'
import { Badge, Card, Col, List, Row, Statistic, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api, unwrap, type Schemas } from '../api/client'
import { useAuth, type Role } from '../auth/AuthContext'
import { EmptyState, QueryView } from '../components/status'
import { CLASSES, TimelinessChart } from '../components/TimelinessChart'
import { CSS_COLOUR } from '../components/TimelinessTag'
import { formatDong, formatRate } from '../format'
import { useLatestRound } from './ntm/NtmPage'

type TaskState = Schemas['TaskState']

/** The task states that wait for each role. */
export const AWAITING: Partial<Record<Role, TaskState[]>> = {
  agency_leader: ['assigned'],
  agency_officer: ['assigned'],
  office_specialist: ['completion_proposed'],
  office_leader: ['reviewed', 'decline_proposed'],
  committee_leader: ['reviewed'],
}

function AwaitingTasks({ state }: { state: TaskState }) {
  const { t } = useTranslation()
  const tasks = useQuery({
    queryKey: ['tasks', { state, limit: 5 }],
    queryFn: async () => unwrap(await api.GET('/api/v1/tasks', { params: { query: { state, limit: 5 } } })),
  })
  return (
    <QueryView query={tasks}>
      {(page) =>
        page.total === 0 ? null : (
          <List
            header={
              <Link to={`/tasks?state=${state}`}>
                {t(`state.${state}`)} <Badge count={page.total} showZero color="#b91c1c" />
              </Link>
            }
            dataSource={page.items}
            renderItem={(task) => (
              <List.Item>
                <Link to={`/tasks/${task.id}`}>{task.content}</Link>
              </List.Item>
            )}
          />
        )
      }
    </QueryView>
  )
}

function AwaitingReviews() {
  const { t } = useTranslation()
  const reviews = useQuery({
    queryKey: ['ntm-awaiting'],
    queryFn: async () => unwrap(await api.GET('/api/v1/ntm-reviews/awaiting')),
  })
  return (
    <QueryView query={reviews}>
      {(items) =>
        items.length === 0 ? null : (
          <Statistic title={t('dashboard.ntmReviews')} value={items.length} />
        )
      }
    </QueryView>
  )
}

/** This year's disbursement rate of the programme over the caller's unit. */
function FundCard({ unitId }: { unitId: number }) {
  const { t } = useTranslation()
  const year = new Date().getFullYear()
  const programmes = useQuery({
    queryKey: ['programmes'],
    queryFn: async () => unwrap(await api.GET('/api/v1/programmes')),
  })
  const programme = programmes.data?.[0]
  const report = useQuery({
    queryKey: ['fund-report', unitId, programme?.id, year],
    enabled: programme !== undefined,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/fund-reports/allocation', {
          params: { query: { unit_id: unitId, programme_id: programme?.id as number, year_from: year } },
        }),
      ),
  })
  return (
    <Card title={t('dashboard.funds', { year })}>
      <QueryView query={report}>
        {(data) => (
          <Link to="/funds">
            <Statistic
              title={data.unit_name}
              value={formatRate(data.total.disbursement_rate_bp)}
              data-testid="dashboard-fund-rate"
            />
            <Typography.Text type="secondary">
              {formatDong(data.total.disbursed)} / {formatDong(data.total.allocated)}
            </Typography.Text>
          </Link>
        )}
      </QueryView>
    </Card>
  )
}

/** How many communes meet every criterion in the latest round. */
function NtmCard() {
  const { t } = useTranslation()
  const { latest } = useLatestRound()
  const stats = useQuery({
    queryKey: ['ntm-stats', latest],
    enabled: latest !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/ntm-stats', { params: { query: { round_id: latest as number } } })),
  })
  return (
    <Card title={t('dashboard.ntm')}>
      <QueryView query={stats}>
        {(data) => (
          <Link to={`/ntm/stats?round_id=${data.round_id}`}>
            <Statistic
              title={data.round_name}
              value={data.units_meeting_all}
              suffix={`/ ${data.units_evaluated} ${t('dashboard.communesMeetingAll')}`}
            />
          </Link>
        )}
      </QueryView>
    </Card>
  )
}

export function DashboardPage() {
  const { t } = useTranslation()
  const { me, hasRole } = useAuth()
  const stats = useQuery({
    queryKey: ['task-stats', 'lead_unit'],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/task-stats', { params: { query: { group_by: 'lead_unit' } } })),
  })
  const states = [
    ...new Set((me?.grants ?? []).flatMap((g) => AWAITING[g.role] ?? [])),
  ]
  const reviews = hasRole('department_appraiser', 'ntm_coordinator')
  const fundUnit = me?.grants.find((g) =>
    ['fund_manager', 'committee_leader', 'viewer', 'system_admin'].includes(g.role),
  )?.unit_id
  const ntm = hasRole('ntm_coordinator', 'department_appraiser', 'committee_leader', 'viewer', 'commune_officer')
  return (
    <section>
      <Typography.Title level={2}>{t('dashboard.title')}</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <Card title={t('dashboard.myTasks')}>
            <QueryView query={stats}>
              {(data) =>
                data.total.counts.total === 0 ? (
                  <EmptyState />
                ) : (
                  <>
                    <Row gutter={16}>
                      {CLASSES.map((c) => (
                        <Col key={c} xs={12} md={8} xxl={4}>
                          <Link to={`/tasks?timeliness=${c}`}>
                            <Statistic
                              title={t(`timeliness.${c}`)}
                              value={data.total.counts[c]}
                              styles={{ content: { color: CSS_COLOUR[c] } }}
                            />
                          </Link>
                        </Col>
                      ))}
                    </Row>
                    <TimelinessChart rows={data.rows.slice(0, 10)} />
                  </>
                )
              }
            </QueryView>
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t('dashboard.awaiting')} data-testid="awaiting">
            {states.length === 0 && !reviews ? (
              <EmptyState description={t('dashboard.awaitingNone')} />
            ) : (
              <>
                {states.map((s) => (
                  <AwaitingTasks key={s} state={s} />
                ))}
                {reviews && <AwaitingReviews />}
              </>
            )}
          </Card>
        </Col>
        {fundUnit !== undefined && (
          <Col xs={24} md={12} xl={8}>
            <FundCard unitId={fundUnit} />
          </Col>
        )}
        {ntm && (
          <Col xs={24} md={12} xl={8}>
            <NtmCard />
          </Col>
        )}
      </Row>
    </section>
  )
}

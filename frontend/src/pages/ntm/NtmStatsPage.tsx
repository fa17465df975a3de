// NTM statistics of a round over the caller's units: the headline figures,
// communes meeting each criterion (chart), the matrix of communes ×
// criteria, the communes one or two criteria short, the trend over rounds,
// the Excel report.
import { DownloadOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Button, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { api, download, unwrap, type Schemas } from '../../api/client'
import { EmptyState, QueryView } from '../../components/status'
import { useRoundParam } from './NtmPage'

type UnitStat = Schemas['UnitStat']

export function NtmStatsPage() {
  const { t } = useTranslation()
  const { roundId, roundSelect } = useRoundParam()
  const stats = useQuery({
    queryKey: ['ntm-stats', roundId],
    enabled: roundId !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/ntm-stats', { params: { query: { round_id: roundId as number } } })),
  })
  return (
    <section>
      <Typography.Title level={2}>{t('ntm.statsTitle')}</Typography.Title>
      <Space wrap className="filters">
        {roundSelect}
        {roundId && (
          <Button
            icon={<DownloadOutlined />}
            onClick={() =>
              void download(`/api/v1/ntm-stats/export.xlsx?round_id=${roundId}`, `nong-thon-moi-${roundId}.xlsx`)
            }
          >
            {t('common.download')}
          </Button>
        )}
      </Space>
      <QueryView query={stats}>
        {(data) => {
          if (data.units_evaluated === 0) return <EmptyState />
          const numbers = data.per_criterion.map((c) => c.number)
          return (
            <Space orientation="vertical" size="large" style={{ width: '100%' }}>
              <Row gutter={16}>
                <Col xs={12} md={6}>
                  <Statistic title={t('ntm.unitsEvaluated')} value={data.units_evaluated} />
                </Col>
                <Col xs={12} md={6}>
                  <Statistic title={t('ntm.unitsMeetingAll')} value={data.units_meeting_all} />
                </Col>
                <Col xs={12} md={6}>
                  <Statistic
                    title={t('ntm.averageMet')}
                    value={(data.average_criteria_met ?? '—').replace('.', ',')}
                    suffix={`/ ${data.criteria_total}`}
                  />
                </Col>
                <Col xs={12} md={6}>
                  <Statistic
                    title={t('ntm.oneOrTwoAway')}
                    value={data.units_one_away.length + data.units_two_away.length}
                  />
                </Col>
              </Row>
              <Card title={t('ntm.perCriterion')}>
                <div role="img" aria-label={t('ntm.perCriterion')} style={{ width: '100%', height: 280 }}>
                  <ResponsiveContainer>
                    <BarChart data={data.per_criterion.map((c) => ({ name: String(c.number), label: c.name, passed: c.passed }))}>
                      <CartesianGrid strokeDasharray="3 3" />
                      <XAxis dataKey="name" />
                      <YAxis allowDecimals={false} domain={[0, data.units_evaluated]} />
                      <Tooltip labelFormatter={(_, p) => String(p?.[0]?.payload?.label ?? '')} />
                      <Bar dataKey="passed" name={t('ntm.unitsPassing')} fill="#389e0d" />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              </Card>
              <Card title={t('ntm.matrix')}>
                <Table<UnitStat>
                  rowKey="evaluation_id"
                  size="small"
                  data-testid="ntm-matrix"
                  dataSource={data.units}
                  pagination={false}
                  scroll={{ x: 1200 }}
                  columns={[
                    {
                      title: t('ntm.unit'),
                      dataIndex: 'unit_name',
                      fixed: 'left',
                      width: 180,
                      render: (name: string, u) => <Link to={`/ntm/evaluations/${u.evaluation_id}`}>{name}</Link>,
                    },
                    ...numbers.map((n) => ({
                      title: String(n),
                      width: 44,
                      align: 'center' as const,
                      render: (_: unknown, u: UnitStat) =>
                        u.met.includes(n) ? (
                          <span className="cell-met" aria-label={t('ntm.met')}>
                            ✓
                          </span>
                        ) : (
                          <span className="cell-unmet" aria-label={t('ntm.notMet')}>
                            ✗
                          </span>
                        ),
                    })),
                    { title: t('ntm.criteriaMet'), dataIndex: 'criteria_met', width: 90, align: 'right' },
                    {
                      title: t('ntm.allMet'),
                      dataIndex: 'all_met',
                      width: 90,
                      render: (v: boolean) => (v ? <Tag color="success">{t('common.yes')}</Tag> : t('common.no')),
                    },
                  ]}
                />
              </Card>
              {data.trend.length > 1 && (
                <Card title={t('ntm.trend')}>
                  <div role="img" aria-label={t('ntm.trend')} style={{ width: '100%', height: 240 }}>
                    <ResponsiveContainer>
                      <LineChart data={data.trend}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="round_name" />
                        <YAxis allowDecimals={false} />
                        <Tooltip />
                        <Line dataKey="units_meeting_all" name={t('ntm.unitsMeetingAll')} stroke="#b91c1c" />
                      </LineChart>
                    </ResponsiveContainer>
                  </div>
                </Card>
              )}
            </Space>
          )
        }}
      </QueryView>
    </section>
  )
}

// Task statistics by agency (or by issuer, specialist, month, quarter) of
// the year's work or of all time: a chart, the table with the on-time rate,
// the Excel download.
import { DownloadOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Button, Card, Select, Space, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'
import { api, download, unwrap, type Schemas } from '../../api/client'
import { EmptyState, QueryView } from '../../components/status'
import { CLASSES, TimelinessChart } from '../../components/TimelinessChart'
import { formatDate, formatRate } from '../../format'

type GroupBy = Schemas['GroupBy']
type Period = Schemas['StatsPeriod']
type Row = Schemas['StatsRow']

const GROUPS: GroupBy[] = ['lead_unit', 'issuer', 'specialist', 'month', 'quarter']
const PERIODS: Period[] = ['current', 'all']

export function TaskStatsPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const groupBy = (params.get('group_by') as GroupBy | null) ?? 'lead_unit'
  const period = (params.get('period') as Period | null) ?? 'current'
  const stats = useQuery({
    queryKey: ['task-stats', groupBy, period],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/task-stats', { params: { query: { group_by: groupBy, period } } })),
  })
  // The address keeps only what differs from the defaults.
  const choose = (next: { group_by?: GroupBy; period?: Period }) => {
    const merged = { group_by: groupBy, period, ...next }
    setParams({
      ...(merged.group_by === 'lead_unit' ? {} : { group_by: merged.group_by }),
      ...(merged.period === 'current' ? {} : { period: merged.period }),
    })
  }
  const groupLabel: Record<GroupBy, string> = {
    lead_unit: t('stats.agency'),
    issuer: t('stats.issuer'),
    specialist: t('stats.specialist'),
    month: t('stats.month'),
    quarter: t('stats.quarter'),
  }
  return (
    <section>
      <Typography.Title level={2}>{t('stats.title')}</Typography.Title>
      <Space wrap className="filters">
        <Select
          aria-label={t('stats.groupBy')}
          value={groupBy}
          onChange={(v) => choose({ group_by: v })}
          options={GROUPS.map((g) => ({ value: g, label: groupLabel[g] }))}
          style={{ width: 220 }}
        />
        <Select
          aria-label={t('stats.period')}
          value={period}
          onChange={(v) => choose({ period: v })}
          options={PERIODS.map((p) => ({ value: p, label: t(`stats.periods.${p}`) }))}
          style={{ width: 300 }}
        />
        <Button
          icon={<DownloadOutlined />}
          onClick={() =>
            void download(
              `/api/v1/task-stats/export.xlsx?group_by=${groupBy}&period=${period}`,
              'thong-ke-nhiem-vu.xlsx',
            )
          }
        >
          {t('common.download')}
        </Button>
      </Space>
      <QueryView query={stats}>
        {(data) =>
          data.rows.length === 0 ? (
            <EmptyState />
          ) : (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Typography.Text type="secondary">{t('board.asOf', { date: formatDate(data.as_of) })}</Typography.Text>
              <Card>
                <TimelinessChart rows={data.rows} height={Math.max(240, data.rows.length * 36)} />
              </Card>
              <Table<Row>
                rowKey="key"
                dataSource={[...data.rows, { ...data.total, key: '__total', label: t('stats.total') }]}
                pagination={false}
                scroll={{ x: 900 }}
                columns={[
                  { title: groupLabel[groupBy], dataIndex: 'label' },
                  { title: t('stats.total'), render: (_, r) => r.counts.total, align: 'right' },
                  ...CLASSES.map((c) => ({
                    title: t(`timeliness.${c}`),
                    render: (_: unknown, r: Row) => r.counts[c],
                    align: 'right' as const,
                  })),
                  {
                    title: t('stats.onTimeRate'),
                    render: (_, r) => formatRate(r.on_time_rate_bp),
                    align: 'right',
                  },
                ]}
              />
            </Space>
          )
        }
      </QueryView>
    </section>
  )
}

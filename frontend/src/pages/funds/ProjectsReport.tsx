// Disbursement per project of a unit's subtree, with the Excel report, and
// the warnings a manager should look at: units with money and nothing
// disbursed, units below half, projects past their end.
import { DownloadOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, List, Space, Table, Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import { api, download, unwrap, type Schemas } from '../../api/client'
import { EmptyState, QueryView } from '../../components/status'
import { UnitName } from '../../components/units'
import { formatDate, formatDong, formatRate } from '../../format'
import { moneyColumn } from './columns'

type ProjectFunds = Schemas['ProjectFunds']

const STATUS_COLOUR: Record<Schemas['ProjectStatus'], string> = {
  planned: 'default',
  in_progress: 'processing',
  completed: 'success',
  suspended: 'warning',
}

export function ProjectsReport({ unitId, programmeId, year }: { unitId: number; programmeId: number; year: number }) {
  const { t } = useTranslation()
  const query = { unit_id: unitId, programme_id: programmeId, year_from: year }
  const report = useQuery({
    queryKey: ['fund-report', 'disbursement', unitId, programmeId, year],
    queryFn: async () => unwrap(await api.GET('/api/v1/fund-reports/disbursement', { params: { query } })),
  })
  const warnings = useQuery({
    queryKey: ['fund-report', 'warnings', unitId, programmeId, year],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/fund-reports/warnings', {
          params: { query: { unit_id: unitId, programme_id: programmeId, year } },
        }),
      ),
  })
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <QueryView query={warnings}>
        {(w) => {
          const lines = [
            ...w.no_disbursement.map((r) => t('funds.warnNoDisbursement', { unit: r.unit_name })),
            ...w.low_rate.map((r) => t('funds.warnLowRate', { unit: r.unit_name, rate: formatRate(r.disbursement_rate_bp) })),
            ...w.projects_overdue.map((p) => t('funds.warnProjectOverdue', { project: p.name, date: formatDate(p.end_on) })),
          ]
          return lines.length === 0 ? null : (
            <Alert
              type="warning"
              showIcon
              title={t('funds.warnings')}
              description={<List size="small" dataSource={lines} renderItem={(l) => <List.Item>{l}</List.Item>} />}
              data-testid="fund-warnings"
            />
          )
        }}
      </QueryView>
      <Card
        title={t('funds.projects')}
        extra={
          <Button
            icon={<DownloadOutlined />}
            onClick={() =>
              void download(
                `/api/v1/fund-reports/disbursement/export.xlsx?${new URLSearchParams(
                  Object.entries(query).map(([k, v]) => [k, String(v)]),
                )}`,
                `giai-ngan-du-an-${year}.xlsx`,
              )
            }
          >
            {t('common.download')}
          </Button>
        }
      >
        <QueryView query={report}>
          {(data) => (
            <Table<ProjectFunds>
              rowKey={(r) => r.project.id}
              size="small"
              dataSource={data.projects}
              data-testid="project-report"
              locale={{ emptyText: <EmptyState /> }}
              pagination={{ pageSize: 20, showSizeChanger: false }}
              scroll={{ x: 1000 }}
              columns={[
                { title: t('funds.project'), render: (_, r) => r.project.name },
                { title: t('funds.unit'), render: (_, r) => <UnitName id={r.project.unit_id} /> },
                {
                  title: t('funds.period'),
                  render: (_, r) => `${formatDate(r.project.start_on)}–${formatDate(r.project.end_on)}`,
                },
                moneyColumn(t, 'allocated'),
                moneyColumn(t, 'disbursed'),
                moneyColumn(t, 'remaining'),
                { title: t('funds.rate'), align: 'right', render: (_, r) => formatRate(r.disbursement_rate_bp) },
                {
                  title: t('ntm.status'),
                  render: (_, r) => (
                    <Tag color={STATUS_COLOUR[r.project.status]}>{t(`funds.projectStatus.${r.project.status}`)}</Tag>
                  ),
                },
              ]}
              summary={() => (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0} colSpan={3}>
                    <strong>{t('funds.total')}</strong>
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={3} align="right">
                    {formatDong(data.allocated)}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={4} align="right">
                    {formatDong(data.disbursed)}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={5} align="right">
                    {formatDong(data.allocated - data.disbursed)}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={6} align="right">
                    {formatRate(data.disbursement_rate_bp)}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={7} />
                </Table.Summary.Row>
              )}
            />
          )}
        </QueryView>
      </Card>
    </Space>
  )
}

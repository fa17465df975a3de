// Programme funds: the allocation tree from the caller's unit down (drill
// into a child unit), received, disbursed and remaining per unit with the
// rate, a chart of the rate per unit, the Excel report; allocation and
// disbursement entry with the conservation rule's refusals shown on the
// amount.
import { DownloadOutlined, PlusOutlined, SettingOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  App,
  Breadcrumb,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Typography,
} from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useSearchParams } from 'react-router'
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { api, download, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { EmptyState, ProblemAlert, QueryView, setFieldErrors } from '../../components/status'
import { UnitPicker, useUnit } from '../../components/units'
import { formatRate } from '../../format'
import { moneyColumn } from './columns'
import { ProjectsReport } from './ProjectsReport'

type Row = Schemas['FundReportRow']
type Programme = Schemas['Programme']

const grouped = new Intl.NumberFormat('vi-VN')
/** đồng typed with dots as thousands separators. */
const moneyInput = {
  formatter: (v: string | number | undefined) => (v === undefined || v === '' ? '' : grouped.format(Number(v))),
  parser: (v: string | undefined) => Number((v ?? '').replace(/\D/g, '')),
}

interface EntryValues {
  kind: 'allocation' | 'disbursement'
  to_unit_id?: number
  component_id: number
  source_id: number
  amount: number
  decision_number?: string
  decision_date?: Dayjs
  paid_on?: Dayjs
  voucher?: string
  note?: string
}

function EntryForm({
  kind,
  unitId,
  programme,
  year,
  onDone,
}: {
  kind: 'allocation' | 'disbursement'
  unitId: number
  programme: Programme
  year: number
  onDone: () => void
}) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [form] = Form.useForm<EntryValues>()
  const queryClient = useQueryClient()
  const sources = useQuery({
    queryKey: ['fund-sources'],
    queryFn: async () => unwrap(await api.GET('/api/v1/fund-sources')),
  })
  const save = useMutation({
    mutationFn: async (v: EntryValues) => {
      const key = { programme_id: programme.id, year, component_id: v.component_id, source_id: v.source_id }
      if (kind === 'allocation') {
        return unwrap(
          await api.POST('/api/v1/allocations', {
            body: {
              ...key,
              from_unit_id: unitId,
              to_unit_id: v.to_unit_id,
              amount: v.amount,
              decision_number: (v.decision_number ?? '').trim(),
              decision_date: (v.decision_date ?? dayjs()).format('YYYY-MM-DD'),
              note: v.note,
            },
          }),
        )
      }
      return unwrap(
        await api.POST('/api/v1/disbursements', {
          body: {
            ...key,
            unit_id: unitId,
            amount: v.amount,
            paid_on: (v.paid_on ?? dayjs()).format('YYYY-MM-DD'),
            voucher: (v.voucher ?? '').trim(),
            note: v.note,
          },
        }),
      )
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['fund-report'] })
      void message.success(t('funds.saved'))
      onDone()
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const required = [{ required: true, message: t('auth.required') }]
  return (
    <Form<EntryValues>
      form={form}
      layout="vertical"
      onFinish={(v) => save.mutate(v)}
      initialValues={{
        component_id: programme.components[0]?.id,
        decision_date: dayjs(),
        paid_on: dayjs(),
      }}
    >
      <ProblemAlert error={save.error} />
      {kind === 'allocation' && (
        <Form.Item name="to_unit_id" label={t('funds.toUnit')} rules={required}>
          <UnitPicker within={unitId} ariaLabel={t('funds.toUnit')} />
        </Form.Item>
      )}
      <Form.Item name="component_id" label={t('funds.component')} rules={required}>
        <Select options={programme.components.map((c) => ({ value: c.id, label: `${c.code} — ${c.name}` }))} />
      </Form.Item>
      <Form.Item name="source_id" label={t('funds.source')} rules={required}>
        <Select
          loading={sources.isPending}
          options={(sources.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
        />
      </Form.Item>
      <Form.Item name="amount" label={t('funds.amount')} rules={required}>
        <InputNumber<number> min={1} step={1_000_000} style={{ width: '100%' }} suffix="đ" {...moneyInput} />
      </Form.Item>
      {kind === 'allocation' ? (
        <Space wrap align="start">
          <Form.Item name="decision_number" label={t('funds.decisionNumber')} rules={required}>
            <Input placeholder="1520/QĐ-UBND" />
          </Form.Item>
          <Form.Item name="decision_date" label={t('funds.decisionDate')} rules={required}>
            <DatePicker format="DD/MM/YYYY" />
          </Form.Item>
        </Space>
      ) : (
        <Space wrap align="start">
          <Form.Item name="voucher" label={t('funds.voucher')} rules={required}>
            <Input placeholder="PC-0012/2026" />
          </Form.Item>
          <Form.Item name="paid_on" label={t('funds.paidOn')} rules={required}>
            <DatePicker format="DD/MM/YYYY" />
          </Form.Item>
        </Space>
      )}
      <Form.Item name="note" label={t('tasks.note')}>
        <Input.TextArea rows={2} />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
        <Button onClick={onDone}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  )
}

function Report({ unitId, programme, year }: { unitId: number; programme: Programme; year: number }) {
  const { t } = useTranslation()
  const [, setParams] = useSearchParams()
  const { hasRole } = useAuth()
  const [entry, setEntry] = useState<'allocation' | 'disbursement' | null>(null)
  const unit = useUnit(unitId)
  const report = useQuery({
    queryKey: ['fund-report', unitId, programme.id, year],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/fund-reports/allocation', {
          params: { query: { unit_id: unitId, programme_id: programme.id, year_from: year } },
        }),
      ),
  })
  const drill = (id: number) =>
    setParams((p) => {
      const next = new URLSearchParams(p)
      next.set('unit_id', String(id))
      return next
    })
  const manage = hasRole('fund_manager', 'system_admin')
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Breadcrumb
        items={[...(unit.data?.ancestors ?? []), ...(unit.data ? [unit.data] : [])].map((u) => ({
          key: u.id,
          title:
            u.id === unitId ? (
              u.name
            ) : (
              <Button type="link" size="small" className="link-button" onClick={() => drill(u.id)}>
                {u.name}
              </Button>
            ),
        }))}
      />
      <Space wrap>
        {manage && (
          <>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEntry('allocation')}>
              {t('funds.allocate')}
            </Button>
            <Button icon={<PlusOutlined />} onClick={() => setEntry('disbursement')}>
              {t('funds.disburse')}
            </Button>
          </>
        )}
        <Button
          icon={<DownloadOutlined />}
          onClick={() =>
            void download(
              `/api/v1/fund-reports/allocation/export.xlsx?unit_id=${unitId}&programme_id=${programme.id}&year_from=${year}`,
              `phan-bo-von-${year}.xlsx`,
            )
          }
        >
          {t('common.download')}
        </Button>
      </Space>
      <QueryView query={report}>
        {(data) => {
          const rows = [
            ...data.rows,
            { ...data.own, unit_name: t('funds.own') },
            { ...data.total, unit_name: t('funds.total') },
          ]
          return (
            <>
              <Table<Row>
                rowKey={(r) => `${r.unit_id}-${r.unit_name}`}
                dataSource={rows}
                pagination={false}
                size="small"
                data-testid="fund-report"
                locale={{ emptyText: <EmptyState /> }}
                scroll={{ x: 900 }}
                columns={[
                  {
                    title: t('funds.unit'),
                    dataIndex: 'unit_name',
                    render: (name: string, r: Row) =>
                      data.rows.includes(r) ? (
                        <Button type="link" size="small" className="link-button" onClick={() => drill(r.unit_id)}>
                          {name}
                        </Button>
                      ) : (
                        <strong>{name}</strong>
                      ),
                  },
                  moneyColumn(t, 'allocated'),
                  moneyColumn(t, 'disbursed'),
                  moneyColumn(t, 'remaining'),
                  {
                    title: t('funds.rate'),
                    dataIndex: 'disbursement_rate_bp',
                    align: 'right',
                    render: (bp: number | null) => formatRate(bp),
                  },
                ]}
              />
              {data.rows.length > 0 && (
                <Card title={t('funds.rateChart')}>
                  <div role="img" aria-label={t('funds.rateChart')} style={{ width: '100%', height: 280 }}>
                    <ResponsiveContainer>
                      <BarChart
                        data={data.rows.map((r) => ({ name: r.unit_name, rate: (r.disbursement_rate_bp ?? 0) / 100 }))}
                      >
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="name" />
                        <YAxis unit="%" domain={[0, 100]} />
                        <Tooltip formatter={(v) => `${Number(v).toLocaleString('vi-VN')} %`} />
                        <Bar dataKey="rate" name={t('funds.rate')} fill="#b91c1c" />
                      </BarChart>
                    </ResponsiveContainer>
                  </div>
                </Card>
              )}
            </>
          )
        }}
      </QueryView>
      <Modal
        open={entry !== null}
        title={entry === 'allocation' ? t('funds.allocate') : t('funds.disburse')}
        footer={null}
        onCancel={() => setEntry(null)}
        destroyOnHidden
      >
        {entry && (
          <EntryForm kind={entry} unitId={unitId} programme={programme} year={year} onDone={() => setEntry(null)} />
        )}
      </Modal>
    </Space>
  )
}

export function FundsPage() {
  const { t } = useTranslation()
  const { me } = useAuth()
  const [params, setParams] = useSearchParams()
  const programmes = useQuery({
    queryKey: ['programmes'],
    queryFn: async () => unwrap(await api.GET('/api/v1/programmes')),
  })
  const home =
    me?.grants.find((g) => g.role === 'fund_manager')?.unit_id ?? me?.primary_unit_id ?? me?.grants[0]?.unit_id
  const unitId = Number(params.get('unit_id')) || home
  const year = Number(params.get('year')) || dayjs().year()
  const set = (key: string, value: number | undefined) =>
    setParams((p) => {
      const next = new URLSearchParams(p)
      if (value === undefined) next.delete(key)
      else next.set(key, String(value))
      return next
    })
  return (
    <section>
      <Typography.Title level={2}>{t('funds.title')}</Typography.Title>
      <QueryView query={programmes}>
        {(list) => {
          const programme = list.find((p) => p.id === Number(params.get('programme_id'))) ?? list[0]
          if (!programme || !unitId) return <EmptyState />
          return (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Space wrap className="filters">
                <Select
                  aria-label={t('funds.programme')}
                  value={programme.id}
                  onChange={(v) => set('programme_id', v)}
                  options={list.map((p) => ({ value: p.id, label: p.name }))}
                  style={{ width: 320 }}
                />
                <InputNumber
                  aria-label={t('funds.year')}
                  value={year}
                  min={2000}
                  max={2100}
                  onChange={(v) => set('year', v ?? undefined)}
                />
                <Link to="/funds/programmes">
                  <SettingOutlined /> {t('programmes.manage')}
                </Link>
              </Space>
              <Report unitId={unitId} programme={programme} year={year} />
              <ProjectsReport unitId={unitId} programmeId={programme.id} year={year} />
            </Space>
          )
        }}
      </QueryView>
    </section>
  )
}

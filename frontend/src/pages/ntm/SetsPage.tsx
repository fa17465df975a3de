// NTM setup: the criteria sets (criteria, indicators, targets by region,
// commune group and years; owning departments), edited while draft,
// published, copied as a new version; and opening a round over communes.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  App,
  Button,
  Card,
  Collapse,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { EmptyState, ProblemAlert, QueryView, setFieldErrors } from '../../components/status'
import { UnitPicker } from '../../components/units'
import { formatDate } from '../../format'

type CriteriaSet = Schemas['CriteriaSet']
type Body = Schemas['CriteriaSetBody']
type ValueType = Schemas['ValueType']

const VALUE_TYPES: ValueType[] = ['boolean', 'number', 'percent', 'choice', 'text']
const COMPARATORS: Schemas['Comparator'][] = ['gte', 'gt', 'lte', 'lt', 'eq', 'one_of', 'is_true']
const REGIONS = ['TDMNPB', 'DBSH', 'BTB', 'DHNTB', 'TN', 'DNB', 'DBSCL']

/** A target as the form holds it: the threshold as text (a number, yes/no, or answers). */
interface TargetForm {
  value: string
  region?: string | null
  group?: string | null
  year_from?: number | null
  year_to?: number | null
}

/** The threshold text of the form as the API's typed value. */
export function targetValue(text: string, type: ValueType): Schemas['TargetValue'] {
  if (type === 'boolean') return { bool: !['không', 'false', '0', 'no'].includes(text.trim().toLowerCase()) }
  if (type === 'choice') return { choice: text.split('/').map((c) => c.trim()).filter(Boolean) }
  return { number: text.trim().replace(',', '.') }
}

export function targetText(value: Schemas['TargetValue']): string {
  if ('number' in value) return value.number
  if ('bool' in value) return value.bool ? 'có' : 'không'
  return value.choice.join(' / ')
}

function toForm(set: CriteriaSet) {
  return {
    ...set,
    criteria: set.criteria.map((c) => ({
      ...c,
      indicators: c.indicators.map((i) => ({
        ...i,
        choices: (i.choices ?? []).join(' / '),
        targets: (i.targets ?? []).map((t) => ({ ...t, value: targetText(t.value) })),
      })),
    })),
  }
}

type FormValues = ReturnType<typeof toForm>

function fromForm(v: FormValues, set: CriteriaSet): Body {
  return {
    code: set.code,
    name: v.name,
    level: set.level,
    variant: set.variant,
    legal_basis: v.legal_basis,
    valid_from: set.valid_from,
    valid_to: set.valid_to,
    criteria: v.criteria.map((c) => ({
      ...c,
      indicators: c.indicators.map((i) => ({
        ...i,
        choices: (i.choices as unknown as string).split('/').map((s) => s.trim()).filter(Boolean),
        targets: (i.targets as unknown as TargetForm[]).map((t) => ({
          ...t,
          value: targetValue(t.value, i.value_type),
        })),
      })),
    })),
  }
}

function SetEditor({ set }: { set: CriteriaSet }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const [form] = Form.useForm<FormValues>()
  const draft = set.status === 'draft'
  const done = (next: CriteriaSet, text: string) => {
    queryClient.setQueryData(['criteria-set', next.id], next)
    void queryClient.invalidateQueries({ queryKey: ['criteria-sets'] })
    void message.success(text)
  }
  const save = useMutation({
    mutationFn: async (v: FormValues) =>
      unwrap(
        await api.PUT('/api/v1/criteria-sets/{id}', { params: { path: { id: set.id } }, body: fromForm(v, set) }),
      ),
    onSuccess: (next) => done(next, t('tasks.done')),
    onError: (error) => setFieldErrors(form, error),
  })
  const publish = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/criteria-sets/{id}/publish', { params: { path: { id: set.id } } })),
    onSuccess: (next) => done(next, t('ntmSetup.published')),
  })
  const copy = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/criteria-sets/{id}/versions', { params: { path: { id: set.id } } })),
    onSuccess: (next) => {
      done(next, t('ntmSetup.copied'))
      void navigate(`/ntm/sets/${next.id}`)
    },
  })
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={toForm(set)}
      // Every value, the ones without a field too (criterion numbers, pass rules).
      onFinish={() => save.mutate(form.getFieldsValue(true) as FormValues)}
      disabled={!draft}
    >
      <Space wrap className="filters">
        <Tag color={draft ? 'blue' : 'success'}>{t(`ntmSetup.status.${set.status}`, { defaultValue: set.status })}</Tag>
        <Typography.Text>
          {set.code} · v{set.version} · {formatDate(set.valid_from)}–{formatDate(set.valid_to)}
        </Typography.Text>
      </Space>
      <ProblemAlert error={save.error ?? publish.error ?? copy.error} />
      <Form.Item name="name" label={t('ntmSetup.name')} rules={[{ required: true, message: t('auth.required') }]}>
        <Input />
      </Form.Item>
      <Form.Item name="legal_basis" label={t('ntmSetup.legalBasis')}>
        <Input />
      </Form.Item>
      <Form.List name="criteria">
        {(criteria) => (
          <Collapse
            items={criteria.map((c) => ({
              key: c.key,
              label: `${form.getFieldValue(['criteria', c.name, 'number'])}. ${form.getFieldValue(['criteria', c.name, 'name'])}`,
              forceRender: true,
              children: (
                <>
                  <Space wrap align="start">
                    <Form.Item name={[c.name, 'name']} label={t('ntm.criterion')}>
                      <Input style={{ width: 320 }} />
                    </Form.Item>
                    <Form.Item name={[c.name, 'group']} label={t('ntmSetup.group')}>
                      <Input style={{ width: 80 }} />
                    </Form.Item>
                    <Form.Item name={[c.name, 'department_unit_id']} label={t('ntmSetup.department')}>
                      <UnitPicker kind="agency" ariaLabel={t('ntmSetup.department')} />
                    </Form.Item>
                  </Space>
                  <Form.List name={[c.name, 'indicators']}>
                    {(indicators) =>
                      indicators.map((i) => (
                        <Card key={i.key} size="small" type="inner" style={{ marginBottom: 8 }}>
                          <Space wrap align="start">
                            <Form.Item name={[i.name, 'code']} label={t('ntmSetup.code')}>
                              <Input style={{ width: 80 }} />
                            </Form.Item>
                            <Form.Item name={[i.name, 'name']} label={t('ntm.indicator')}>
                              <Input style={{ width: 360 }} />
                            </Form.Item>
                            <Form.Item name={[i.name, 'value_type']} label={t('ntmSetup.valueType')}>
                              <Select
                                options={VALUE_TYPES.map((v) => ({ value: v, label: t(`ntmSetup.valueTypes.${v}`) }))}
                                style={{ width: 130 }}
                              />
                            </Form.Item>
                            <Form.Item name={[i.name, 'comparator']} label={t('ntmSetup.comparator')}>
                              <Select
                                options={COMPARATORS.map((v) => ({ value: v, label: t(`ntmSetup.comparators.${v}`) }))}
                                style={{ width: 150 }}
                              />
                            </Form.Item>
                            <Form.Item name={[i.name, 'unit']} label={t('ntmSetup.unit')}>
                              <Input style={{ width: 100 }} />
                            </Form.Item>
                            <Form.Item name={[i.name, 'choices']} label={t('ntmSetup.choices')}>
                              <Input placeholder="Đạt / Chưa đạt" style={{ width: 200 }} />
                            </Form.Item>
                          </Space>
                          <Form.List name={[i.name, 'targets']}>
                            {(targets, { add, remove }) => (
                              <>
                                {targets.map((tg) => (
                                  <Space key={tg.key} wrap align="start">
                                    <Form.Item
                                      name={[tg.name, 'value']}
                                      label={t('ntm.target')}
                                      rules={[{ required: true, message: t('auth.required') }]}
                                    >
                                      <Input style={{ width: 120 }} />
                                    </Form.Item>
                                    <Form.Item name={[tg.name, 'region']} label={t('ntmSetup.region')}>
                                      <Select allowClear options={REGIONS.map((r) => ({ value: r, label: r }))} style={{ width: 120 }} />
                                    </Form.Item>
                                    <Form.Item name={[tg.name, 'group']} label={t('ntmSetup.communeGroup')}>
                                      <Input style={{ width: 100 }} />
                                    </Form.Item>
                                    <Form.Item name={[tg.name, 'year_from']} label={t('ntmSetup.yearFrom')}>
                                      <InputNumber min={2000} max={2100} />
                                    </Form.Item>
                                    <Form.Item name={[tg.name, 'year_to']} label={t('ntmSetup.yearTo')}>
                                      <InputNumber min={2000} max={2100} />
                                    </Form.Item>
                                    {draft && (
                                      <Button
                                        icon={<DeleteOutlined />}
                                        aria-label={t('ntmSetup.removeTarget')}
                                        onClick={() => remove(tg.name)}
                                        style={{ marginTop: 30 }}
                                      />
                                    )}
                                  </Space>
                                ))}
                                {draft && (
                                  <Button size="small" icon={<PlusOutlined />} onClick={() => add({ value: '' })}>
                                    {t('ntmSetup.addTarget')}
                                  </Button>
                                )}
                              </>
                            )}
                          </Form.List>
                        </Card>
                      ))
                    }
                  </Form.List>
                </>
              ),
            }))}
          />
        )}
      </Form.List>
      <Space style={{ marginTop: 16 }} wrap>
        {draft && (
          <>
            <Button type="primary" htmlType="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
            <Popconfirm title={t('ntmSetup.publishConfirm')} onConfirm={() => publish.mutate()}>
              <Button loading={publish.isPending}>{t('ntmSetup.publish')}</Button>
            </Popconfirm>
          </>
        )}
        {/* Copying is open for published sets too (the form is disabled then). */}
        <Button disabled={false} onClick={() => copy.mutate()} loading={copy.isPending}>
          {t('ntmSetup.copy')}
        </Button>
      </Space>
    </Form>
  )
}

export function SetPage() {
  const id = Number(useParams().id)
  const { t } = useTranslation()
  const set = useQuery({
    queryKey: ['criteria-set', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/criteria-sets/{id}', { params: { path: { id } } })),
  })
  return (
    <section>
      <Link to="/ntm/sets">← {t('common.back')}</Link>
      <QueryView query={set}>
        {(data) => (
          <>
            <Typography.Title level={2}>{data.name}</Typography.Title>
            <SetEditor key={`${data.id}-${data.status}`} set={data} />
          </>
        )}
      </QueryView>
    </section>
  )
}

interface RoundValues {
  set_id: number
  name: string
  kind: Schemas['RoundKind']
  year: number
  period: [Dayjs, Dayjs]
  entry: [Dayjs, Dayjs]
  default_region?: string
  participants: number[]
}

function NewRound({ sets }: { sets: CriteriaSet[] }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<RoundValues>()
  const create = useMutation({
    mutationFn: async (v: RoundValues) =>
      unwrap(
        await api.POST('/api/v1/evaluation-rounds', {
          body: {
            set_id: v.set_id,
            name: v.name.trim(),
            kind: v.kind,
            year: v.year,
            period_from: v.period[0].format('YYYY-MM-DD'),
            period_to: v.period[1].format('YYYY-MM-DD'),
            opens_on: v.entry[0].format('YYYY-MM-DD'),
            closes_on: v.entry[1].format('YYYY-MM-DD'),
            default_region: v.default_region,
            participants: v.participants.map((unit_id) => ({ unit_id })),
          },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['evaluation-rounds'] })
      void message.success(t('ntmSetup.roundOpened'))
      form.resetFields()
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const required = [{ required: true, message: t('auth.required') }]
  const year = dayjs().year()
  return (
    <Card title={t('ntmSetup.newRound')}>
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => create.mutate(v)}
        initialValues={{
          kind: 'annual',
          year,
          period: [dayjs(`${year}-01-01`), dayjs(`${year}-12-31`)],
          entry: [dayjs(), dayjs().add(30, 'day')],
          participants: [],
        }}
      >
        <ProblemAlert error={create.error} />
        <Space wrap align="start">
          <Form.Item name="set_id" label={t('ntm.set')} rules={required}>
            <Select
              options={sets.filter((s) => s.status === 'published').map((s) => ({ value: s.id, label: `${s.name} (v${s.version})` }))}
              style={{ width: 360 }}
            />
          </Form.Item>
          <Form.Item name="name" label={t('ntmSetup.roundName')} rules={required}>
            <Input style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="kind" label={t('ntmSetup.roundKind')} rules={required}>
            <Select
              options={(['six_monthly', 'annual', 'ad_hoc'] as const).map((k) => ({ value: k, label: t(`ntmSetup.kinds.${k}`) }))}
              style={{ width: 160 }}
            />
          </Form.Item>
          <Form.Item name="year" label={t('funds.year')} rules={required}>
            <InputNumber min={2000} max={2100} />
          </Form.Item>
        </Space>
        <Space wrap align="start">
          <Form.Item name="period" label={t('ntmSetup.period')} rules={required}>
            <DatePicker.RangePicker format="DD/MM/YYYY" />
          </Form.Item>
          <Form.Item name="entry" label={t('ntmSetup.entry')} rules={required}>
            <DatePicker.RangePicker format="DD/MM/YYYY" />
          </Form.Item>
          <Form.Item name="default_region" label={t('ntmSetup.region')}>
            <Select allowClear options={REGIONS.map((r) => ({ value: r, label: r }))} style={{ width: 120 }} />
          </Form.Item>
        </Space>
        <Form.Item name="participants" label={t('ntmSetup.participants')} rules={required}>
          <UnitPicker multiple kind="commune" ariaLabel={t('ntmSetup.participants')} style={{ width: '100%' }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          {t('ntmSetup.openRound')}
        </Button>
      </Form>
    </Card>
  )
}

export function SetsPage() {
  const { t } = useTranslation()
  const { hasRole } = useAuth()
  const sets = useQuery({
    queryKey: ['criteria-sets'],
    queryFn: async () => unwrap(await api.GET('/api/v1/criteria-sets')),
  })
  return (
    <section>
      <Typography.Title level={2}>{t('ntmSetup.title')}</Typography.Title>
      <QueryView query={sets}>
        {(list) => (
          <Space orientation="vertical" size="large" style={{ width: '100%' }}>
            <Table<CriteriaSet>
              rowKey="id"
              size="small"
              dataSource={list}
              pagination={false}
              locale={{ emptyText: <EmptyState /> }}
              columns={[
                { title: t('ntmSetup.code'), dataIndex: 'code' },
                { title: 'v', dataIndex: 'version', width: 50 },
                {
                  title: t('ntmSetup.name'),
                  dataIndex: 'name',
                  render: (name: string, s) => <Link to={`/ntm/sets/${s.id}`}>{name}</Link>,
                },
                { title: t('ntm.criteria'), render: (_, s) => s.criteria.length, width: 90 },
                {
                  title: t('ntm.status'),
                  dataIndex: 'status',
                  render: (v: string) => (
                    <Tag color={v === 'draft' ? 'blue' : 'success'}>{t(`ntmSetup.status.${v}`, { defaultValue: v })}</Tag>
                  ),
                },
              ]}
            />
            {hasRole('ntm_coordinator', 'system_admin') && <NewRound sets={list} />}
          </Space>
        )}
      </QueryView>
    </section>
  )
}

// One commune's evaluation: per criterion its indicators with the target,
// the value (entered by the commune while the criterion is editable, the
// pass/fail previewed as it types), evidence files, where the criterion
// stands in the review chain and why it was returned; the commune submits,
// each stage accepts or returns with a reason.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Collapse,
  Descriptions,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { api, unwrap, type Schemas } from '../../api/client'
import { AttachmentLink, FileUpload } from '../../components/FileUpload'
import { ProblemAlert, QueryView } from '../../components/status'
import { formatDateTime } from '../../format'
import { STATUS_COLOUR } from './NtmPage'
import { previewResult } from './result'

type Evaluation = Schemas['EvaluationDetail']
type Criterion = Schemas['CriterionView']
type Indicator = Schemas['IndicatorView']
type Value = Schemas['IndicatorValue']
type Result = Schemas['IndicatorResult']

interface Draft {
  value: Value | null
  note: string
  files: number[]
}

const RESULT_COLOUR: Record<Result, string> = {
  pass: 'success',
  fail: 'error',
  missing: 'default',
  no_target: 'default',
}

function targetText(i: Indicator, yes: string, no: string): string {
  const v = i.target?.value
  if (!v) return '—'
  const op = { gte: '≥', gt: '>', lte: '≤', lt: '<', eq: '=', one_of: '∈', is_true: '' }[i.comparator]
  if ('number' in v) return `${op} ${v.number.replace('.', ',')}${i.unit ? ` ${i.unit}` : ''}`
  if ('bool' in v) return v.bool ? yes : no
  return v.choice.join(' / ')
}

function valueText(v: Value | null | undefined): string {
  if (!v) return ''
  if ('number' in v) return v.number.replace('.', ',')
  if ('bool' in v) return v.bool ? '✓' : '✗'
  if ('choice' in v) return v.choice
  return v.text
}

function ValueInput({
  indicator,
  value,
  onChange,
}: {
  indicator: Indicator
  value: Value | null
  onChange: (v: Value | null) => void
}) {
  const { t } = useTranslation()
  const label = `${indicator.code} ${indicator.name}`
  switch (indicator.value_type) {
    case 'boolean':
      return (
        <Select
          aria-label={label}
          allowClear
          value={value && 'bool' in value ? value.bool : undefined}
          onChange={(v?: boolean) => onChange(v === undefined ? null : { bool: v })}
          options={[
            { value: true, label: t('common.yes') },
            { value: false, label: t('common.no') },
          ]}
          style={{ width: 120 }}
        />
      )
    case 'choice':
      return (
        <Select
          aria-label={label}
          allowClear
          value={value && 'choice' in value ? value.choice : undefined}
          onChange={(v?: string) => onChange(v === undefined ? null : { choice: v })}
          options={indicator.choices.map((c) => ({ value: c, label: c }))}
          style={{ width: 200 }}
        />
      )
    case 'text':
      return (
        <Input
          aria-label={label}
          value={value && 'text' in value ? value.text : ''}
          onChange={(e) => onChange(e.target.value ? { text: e.target.value } : null)}
        />
      )
    default:
      return (
        <Input
          aria-label={label}
          inputMode="decimal"
          suffix={indicator.unit || undefined}
          value={value && 'number' in value ? value.number.replace('.', ',') : ''}
          onChange={(e) => {
            const text = e.target.value.replace(/\s/g, '').replace(',', '.')
            onChange(text ? { number: text } : null)
          }}
          style={{ width: 160 }}
        />
      )
  }
}

function CriterionPanel({
  evaluation,
  criterion,
  canEdit,
}: {
  evaluation: Evaluation
  criterion: Criterion
  canEdit: boolean
}) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [drafts, setDrafts] = useState<Record<string, Draft>>({})
  const editable = canEdit && criterion.editable && evaluation.entry_open
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT('/api/v1/evaluations/{id}/values', {
          params: { path: { id: evaluation.id } },
          body: {
            values: Object.entries(drafts).map(([code, d]) => ({
              indicator_code: code,
              value: d.value,
              note: d.note,
              attachment_ids: d.files.length ? d.files : undefined,
            })),
          },
        }),
      ),
    onSuccess: (next) => {
      queryClient.setQueryData(['evaluation', evaluation.id], next)
      setDrafts({})
      void message.success(t('tasks.done'))
    },
  })
  const draftOf = (i: Indicator): Draft =>
    drafts[i.code] ?? { value: i.value ?? null, note: i.note, files: [] }
  const edit = (i: Indicator, change: Partial<Draft>) =>
    setDrafts((d) => ({ ...d, [i.code]: { ...draftOf(i), ...change } }))
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {criterion.return_reason && criterion.state === 'returned' && (
        <Alert type="warning" showIcon title={t('ntm.returned')} description={criterion.return_reason} />
      )}
      <Table<Indicator>
        rowKey="code"
        size="small"
        pagination={false}
        dataSource={criterion.indicators}
        scroll={{ x: 800 }}
        columns={[
          { title: t('ntm.indicator'), render: (_, i) => `${i.code}. ${i.name}` },
          { title: t('ntm.target'), width: 140, render: (_, i) => targetText(i, t('common.yes'), t('common.no')) },
          {
            title: t('ntm.value'),
            width: 200,
            render: (_, i) =>
              editable ? (
                <ValueInput indicator={i} value={draftOf(i).value} onChange={(value) => edit(i, { value })} />
              ) : (
                valueText(i.value)
              ),
          },
          {
            title: t('ntm.result'),
            width: 110,
            render: (_, i) => {
              const result = drafts[i.code] ? previewResult(i, drafts[i.code].value) : i.result
              return (
                <Tag color={RESULT_COLOUR[result]} data-testid={`result-${i.code}`}>
                  {t(`ntm.results.${result}`)}
                </Tag>
              )
            },
          },
          {
            title: t('ntm.evidence'),
            render: (_, i) => (
              <Space orientation="vertical">
                {i.evidence.map((a) => (
                  <AttachmentLink key={a.id} attachment={a} />
                ))}
                {editable && <FileUpload onChange={(files) => edit(i, { files })} />}
              </Space>
            ),
          },
        ]}
      />
      <ProblemAlert error={save.error} />
      {editable && (
        <Button
          type="primary"
          disabled={Object.keys(drafts).length === 0}
          loading={save.isPending}
          onClick={() => save.mutate()}
        >
          {t('common.save')}
        </Button>
      )}
    </Space>
  )
}

function ReviewActions({ evaluation, awaiting }: { evaluation: Evaluation; awaiting: number[] }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [returning, setReturning] = useState(false)
  const [form] = Form.useForm<{ criteria: number[]; reason: string }>()
  const review = useMutation({
    mutationFn: async (body: Schemas['ReviewBody']) =>
      unwrap(
        await api.POST('/api/v1/evaluations/{id}/review', { params: { path: { id: evaluation.id } }, body }),
      ),
    onSuccess: (next) => {
      queryClient.setQueryData(['evaluation', evaluation.id], next)
      void queryClient.invalidateQueries({ queryKey: ['ntm-awaiting'] })
      void queryClient.invalidateQueries({ queryKey: ['evaluations'] })
      setReturning(false)
      void message.success(t('tasks.done'))
    },
  })
  const names = new Map(evaluation.criteria.map((c) => [c.number, `${c.number}. ${c.name}`]))
  return (
    <Card title={t('ntm.review')}>
      <ProblemAlert error={review.error} />
      <Typography.Paragraph>
        {t('ntm.awaitingYou')}: {awaiting.map((n) => names.get(n)).join('; ')}
      </Typography.Paragraph>
      <Space wrap>
        <Button
          type="primary"
          loading={review.isPending && review.variables?.action === 'accept'}
          onClick={() => review.mutate({ action: 'accept', criteria: awaiting })}
        >
          {t('ntm.accept')}
        </Button>
        <Button danger onClick={() => setReturning(true)}>
          {t('ntm.return')}
        </Button>
      </Space>
      <Modal open={returning} title={t('ntm.return')} footer={null} onCancel={() => setReturning(false)} destroyOnHidden>
        <Form
          form={form}
          layout="vertical"
          initialValues={{ criteria: awaiting }}
          onFinish={(v) => review.mutate({ action: 'return', criteria: v.criteria, reason: v.reason.trim() })}
        >
          <ProblemAlert error={review.error} />
          <Form.Item name="criteria" label={t('ntm.criteria')} rules={[{ required: true, message: t('auth.required') }]}>
            <Checkbox.Group
              options={awaiting.map((n) => ({ value: n, label: names.get(n) ?? String(n) }))}
              style={{ display: 'flex', flexDirection: 'column' }}
            />
          </Form.Item>
          <Form.Item name="reason" label={t('tasks.reason')} rules={[{ required: true, whitespace: true, message: t('auth.required') }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Button type="primary" danger htmlType="submit" loading={review.isPending}>
            {t('ntm.return')}
          </Button>
        </Form>
      </Modal>
    </Card>
  )
}

function EvaluationView({ evaluation }: { evaluation: Evaluation }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const awaiting = useQuery({
    queryKey: ['ntm-awaiting'],
    queryFn: async () => unwrap(await api.GET('/api/v1/ntm-reviews/awaiting')),
  })
  const mine = (awaiting.data ?? []).filter((a) => a.evaluation_id === evaluation.id).map((a) => a.number)
  // The unit enters while a criterion is editable; the API refuses anyone else.
  const unitMayEnter = evaluation.criteria.some((c) => c.editable) && evaluation.entry_open
  const submit = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/evaluations/{id}/review', {
          params: { path: { id: evaluation.id } },
          body: { action: 'submit' },
        }),
      ),
    onSuccess: (next) => {
      queryClient.setQueryData(['evaluation', evaluation.id], next)
      void message.success(t('ntm.submitted'))
    },
  })
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Link to="/ntm">← {t('common.back')}</Link>
      <Typography.Title level={2}>
        {evaluation.unit_name} — {evaluation.round_name}
      </Typography.Title>
      <Descriptions bordered size="small" column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t('ntm.status')}>
          <Tag color={STATUS_COLOUR[evaluation.status]} data-testid="evaluation-status">
            {t(`ntm.statuses.${evaluation.status}`)}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t('ntm.criteriaMet')}>
          <span data-testid="criteria-met">
            {evaluation.criteria_met}/{evaluation.criteria_total}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('ntm.set')}>{evaluation.set_name}</Descriptions.Item>
      </Descriptions>
      {mine.length > 0 && <ReviewActions evaluation={evaluation} awaiting={mine} />}
      {unitMayEnter && (
        <Card>
          <ProblemAlert error={submit.error} />
          <Space>
            <Button type="primary" loading={submit.isPending} onClick={() => submit.mutate()}>
              {t('ntm.submit')}
            </Button>
            <Typography.Text type="secondary">{t('ntm.submitHint')}</Typography.Text>
          </Space>
        </Card>
      )}
      <Collapse
        items={evaluation.criteria.map((c) => ({
          key: c.number,
          label: (
            <Space wrap data-testid={`criterion-${c.number}`}>
              <span>
                {c.number}. {c.name}
              </span>
              <Tag color={c.met ? 'success' : 'error'}>{c.met ? t('ntm.met') : t('ntm.notMet')}</Tag>
              <Tag>
                {c.stage_name ?? t('ntm.done')}: {t(`ntm.states.${c.state}`)}
              </Tag>
              {c.editable && evaluation.entry_open && <Tag color="blue">{t('ntm.editable')}</Tag>}
            </Space>
          ),
          children: <CriterionPanel evaluation={evaluation} criterion={c} canEdit={unitMayEnter} />,
        }))}
      />
      <Card title={t('ntm.steps')}>
        <Timeline
          items={evaluation.steps.map((s, n) => ({
            key: n,
            color: s.action === 'return' ? 'red' : s.action === 'accept' ? 'green' : 'blue',
            content: (
              <div>
                <Typography.Text strong>{t(`ntm.actions.${s.action}`, { defaultValue: s.action })}</Typography.Text>{' '}
                <Typography.Text type="secondary">
                  {s.stage_name} · {s.actor_name} · {formatDateTime(s.at)}
                </Typography.Text>
                {s.criteria.length > 0 && <div>{s.criteria.join(', ')}</div>}
                {s.reason && <Typography.Paragraph>{s.reason}</Typography.Paragraph>}
              </div>
            ),
          }))}
        />
      </Card>
    </Space>
  )
}

export function EvaluationPage() {
  const id = Number(useParams().id)
  const evaluation = useQuery({
    queryKey: ['evaluation', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/evaluations/{id}', { params: { path: { id } } })),
  })
  return <QueryView query={evaluation}>{(data) => <EvaluationView evaluation={data} />}</QueryView>
}

// The import wizard: choose a legacy Excel report → preview what it holds
// (summary against the paper, totals reconciliation, per-row errors and
// warnings, units matched, villages to create) → commit with a progress
// bar; the history with rollback; blank templates to send out.
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Descriptions,
  Form,
  Popconfirm,
  Progress,
  Result,
  Select,
  Space,
  Steps,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, download, postForm, unwrap, type Schemas } from '../../api/client'
import { EmptyState, ProblemAlert, QueryView } from '../../components/status'
import { UnitPicker } from '../../components/units'
import { formatDateTime, formatDong } from '../../format'

type Import = Schemas['ImportPreview']
type Kind = Schemas['ImportKind']
type Issue = Schemas['Issue']
type Row = Schemas['PreviewRow']

const KINDS: Kind[] = ['p135_allocation_report', 'directive_task_list', 'ntm_criteria_matrix']

async function upload(file: File, fields: { kind?: Kind; org_unit_id?: number; round_id?: number }) {
  const body = new FormData()
  body.append('file', file, file.name)
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) body.append(key, String(value))
  }
  return postForm<Import>('/api/v1/imports', body)
}

/** A summary value as people read it: amounts in đồng, yes/no, lists. */
function SummaryValue({ name, value }: { name: string; value: unknown }) {
  const { t } = useTranslation()
  if (typeof value === 'number' && name.endsWith('_dong')) return <>{formatDong(value)}</>
  if (typeof value === 'boolean')
    return <Tag color={value ? 'success' : 'error'}>{value ? t('common.yes') : t('common.no')}</Tag>
  if (value && typeof value === 'object') {
    return (
      <ul className="field-errors">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
          <li key={k}>
            {k}: {typeof v === 'number' && name.endsWith('_dong') ? formatDong(v) : String(v)}
          </li>
        ))}
      </ul>
    )
  }
  return <>{String(value)}</>
}

function Issues({ title, issues, type }: { title: string; issues: Issue[]; type: 'error' | 'warning' }) {
  const { t } = useTranslation()
  if (issues.length === 0) return null
  return (
    <Alert
      type={type}
      showIcon
      title={`${title} (${issues.length})`}
      description={
        <ul className="field-errors" data-testid={`import-${type}s`}>
          {issues.slice(0, 50).map((i, n) => (
            <li key={n}>
              {t('imports.row')} {i.row}: {i.message} <code>{i.code}</code>
            </li>
          ))}
        </ul>
      }
    />
  )
}

function PreviewView({ preview, onDone }: { preview: Import; onDone: (result: Import) => void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [accept, setAccept] = useState(false)
  const [status, setStatus] = useState<'all' | 'error' | 'warning'>('all')
  const commit = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/imports/{id}/commit', {
          params: { path: { id: preview.id } },
          body: { accept_mismatches: accept },
        }),
      ),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['imports'] })
      onDone(result)
    },
  })
  const progress = useQuery({
    queryKey: ['import', preview.id, 'progress'],
    enabled: commit.isPending,
    refetchInterval: 500,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/imports/{id}', { params: { path: { id: preview.id } } })),
  })
  const blocking = preview.errors.filter((e) => !e.acceptable)
  const acceptable = preview.errors.filter((e) => e.acceptable)
  const canCommit = blocking.length === 0 && (acceptable.length === 0 || accept)
  const rows = preview.rows.filter((r) => status === 'all' || r.status === status)
  const columns = Object.keys(preview.rows[0]?.values ?? {}).slice(0, 8)
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} title={t('imports.summary')}>
        <Descriptions.Item label={t('imports.kind')}>{t(`imports.kinds.${preview.kind}`)}</Descriptions.Item>
        <Descriptions.Item label={t('imports.file')}>
          {preview.file_name} ({preview.sheet})
        </Descriptions.Item>
        {preview.unit && <Descriptions.Item label="Đơn vị / Unit">{preview.unit.name}</Descriptions.Item>}
        {preview.year && <Descriptions.Item label="Năm / Year">{preview.year}</Descriptions.Item>}
        {Object.entries(preview.summary as Record<string, unknown>).map(([k, v]) => (
          <Descriptions.Item key={k} label={k}>
            <span data-testid={`summary-${k}`}>
              <SummaryValue name={k} value={v} />
            </span>
          </Descriptions.Item>
        ))}
      </Descriptions>
      {preview.duplicate_of && (
        <Alert type="info" showIcon title={`#${preview.duplicate_of}: ${t('imports.duplicate')}`} />
      )}
      <Issues title={t('imports.errors')} issues={preview.errors} type="error" />
      <Issues title={t('imports.warnings')} issues={preview.warnings} type="warning" />
      <Card
        title={t('imports.rows')}
        extra={
          <Select
            aria-label={t('imports.status')}
            value={status}
            onChange={setStatus}
            options={[
              { value: 'all', label: t('imports.allRows') },
              { value: 'error', label: t('imports.rowStatus.error') },
              { value: 'warning', label: t('imports.rowStatus.warning') },
            ]}
          />
        }
      >
        <Table<Row>
          rowKey="row"
          size="small"
          dataSource={rows}
          locale={{ emptyText: <EmptyState /> }}
          scroll={{ x: 900 }}
          pagination={{ pageSize: 20, showSizeChanger: false }}
          columns={[
            { title: t('imports.row'), dataIndex: 'row', width: 70 },
            {
              title: t('imports.status'),
              dataIndex: 'status',
              width: 110,
              render: (s: string) => (
                <Tag color={s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'success'}>
                  {t(`imports.rowStatus.${s}`, { defaultValue: s })}
                </Tag>
              ),
            },
            ...columns.map((c) => ({
              title: c,
              render: (_: unknown, r: Row) => {
                const v = (r.values as Record<string, unknown>)[c]
                if (v && typeof v === 'object' && 'name' in v) return String((v as { name: unknown }).name)
                if (typeof v === 'number' && c.endsWith('_dong')) return formatDong(v)
                return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
              },
            })),
            { title: t('imports.messages'), dataIndex: 'messages', render: (m: string[]) => m.join('; ') },
          ]}
        />
      </Card>
      <ProblemAlert error={commit.error} />
      {acceptable.length > 0 && (
        <Checkbox checked={accept} onChange={(e) => setAccept(e.target.checked)}>
          {t('imports.acceptMismatches')}
        </Checkbox>
      )}
      {blocking.length > 0 && <Alert type="error" title={t('imports.blocked')} />}
      {commit.isPending && (
        <Progress percent={progress.data?.progress ?? 0} status="active" aria-label={t('imports.committing')} />
      )}
      <Button type="primary" disabled={!canCommit} loading={commit.isPending} onClick={() => commit.mutate()}>
        {t('imports.commit')}
      </Button>
    </Space>
  )
}

function Outcome({ result, again }: { result: Import; again: () => void }) {
  const { t } = useTranslation()
  const outcome = result.result
  return (
    <Result
      status="success"
      title={t('imports.committed')}
      subTitle={
        outcome ? (
          <span data-testid="import-outcome">
            {Object.entries(outcome.created)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ') || '—'}
            {Object.keys(outcome.unchanged).length > 0 &&
              ` · ${t('imports.unchanged')}: ${Object.entries(outcome.unchanged)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ')}`}
          </span>
        ) : undefined
      }
      extra={<Button onClick={again}>{t('imports.again')}</Button>}
    />
  )
}

function Wizard() {
  const { t } = useTranslation()
  const [form] = Form.useForm()
  const [file, setFile] = useState<File | null>(null)
  const [preview, setPreview] = useState<Import | null>(null)
  const [result, setResult] = useState<Import | null>(null)
  const kind = Form.useWatch<Kind | undefined>('kind', form)
  const rounds = useQuery({
    queryKey: ['evaluation-rounds'],
    enabled: kind === 'ntm_criteria_matrix',
    queryFn: async () => unwrap(await api.GET('/api/v1/evaluation-rounds')),
  })
  const send = useMutation({
    mutationFn: async (values: { kind?: Kind; org_unit_id?: number; round_id?: number }) => {
      if (!file) throw new Error('no file')
      return upload(file, values)
    },
    onSuccess: setPreview,
  })
  const step = result ? 2 : preview ? 1 : 0
  const reset = () => {
    setFile(null)
    setPreview(null)
    setResult(null)
    send.reset()
  }
  return (
    <Card>
      <Steps
        current={step}
        items={[{ title: t('imports.step1') }, { title: t('imports.step2') }, { title: t('imports.step3') }]}
        style={{ marginBottom: 24 }}
      />
      {step === 0 && (
        <Form form={form} layout="vertical" onFinish={(v) => send.mutate(v)}>
          <Form.Item label={t('imports.file')} required>
            <Upload.Dragger
              accept=".xlsx,.xls,.ods"
              maxCount={1}
              beforeUpload={(f) => {
                setFile(f)
                return false
              }}
              onRemove={() => setFile(null)}
              fileList={file ? [{ uid: '1', name: file.name, status: 'done' }] : []}
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p>{t('imports.choose')}</p>
            </Upload.Dragger>
          </Form.Item>
          <Space wrap align="start">
            <Form.Item name="kind" label={t('imports.kind')}>
              <Select
                allowClear
                placeholder={t('imports.kindAuto')}
                options={KINDS.map((k) => ({ value: k, label: t(`imports.kinds.${k}`) }))}
                style={{ width: 340 }}
              />
            </Form.Item>
            <Form.Item name="org_unit_id" label={t('imports.unit')} tooltip={t('imports.unitHint')}>
              <UnitPicker placeholder={t('imports.unitAuto')} />
            </Form.Item>
            {kind === 'ntm_criteria_matrix' && (
              <Form.Item name="round_id" label={t('imports.round')}>
                <Select
                  allowClear
                  loading={rounds.isPending}
                  options={(rounds.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
                  style={{ width: 300 }}
                />
              </Form.Item>
            )}
          </Space>
          <ProblemAlert error={send.error} />
          <Button type="primary" htmlType="submit" disabled={!file} loading={send.isPending}>
            {t('imports.preview')}
          </Button>
        </Form>
      )}
      {step === 1 && preview && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Button onClick={reset}>{t('common.back')}</Button>
          <PreviewView preview={preview} onDone={setResult} />
        </Space>
      )}
      {step === 2 && result && <Outcome result={result} again={reset} />}
    </Card>
  )
}

function History() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const imports = useQuery({
    queryKey: ['imports'],
    queryFn: async () => unwrap(await api.GET('/api/v1/imports', { params: { query: { limit: 50 } } })),
  })
  const rollback = useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST('/api/v1/imports/{id}/rollback', { params: { path: { id } } })),
    onSuccess: () => {
      void message.success(t('imports.rolledBack'))
      void queryClient.invalidateQueries({ queryKey: ['imports'] })
    },
  })
  return (
    <Card title={t('imports.history')}>
      <ProblemAlert error={rollback.error} />
      <QueryView query={imports}>
        {(items) => (
          <Table<Import>
            rowKey="id"
            size="small"
            dataSource={items}
            locale={{ emptyText: <EmptyState /> }}
            scroll={{ x: 800 }}
            pagination={{ pageSize: 10, showSizeChanger: false }}
            columns={[
              { title: t('imports.at'), dataIndex: 'created_at', render: formatDateTime, width: 150 },
              { title: t('imports.file'), dataIndex: 'file_name' },
              { title: t('imports.kind'), dataIndex: 'kind', render: (k: Kind) => t(`imports.kinds.${k}`) },
              { title: t('imports.by'), dataIndex: 'creator_name' },
              {
                title: t('imports.status'),
                dataIndex: 'status',
                render: (s: string) => (
                  <Tag color={s === 'committed' ? 'success' : s === 'rolled_back' ? 'default' : 'processing'}>
                    {t(`imports.${s}`, { defaultValue: s })}
                  </Tag>
                ),
              },
              {
                title: '',
                render: (_, i) =>
                  i.status === 'committed' ? (
                    <Popconfirm title={t('imports.rollbackConfirm')} onConfirm={() => rollback.mutate(i.id)}>
                      <Button size="small" danger loading={rollback.isPending && rollback.variables === i.id}>
                        {t('imports.rollback')}
                      </Button>
                    </Popconfirm>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
    </Card>
  )
}

export function ImportsPage() {
  const { t } = useTranslation()
  return (
    <section>
      <Typography.Title level={2}>{t('imports.title')}</Typography.Title>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Wizard />
        <Card title={t('imports.templates')}>
          <Space wrap>
            {KINDS.map((k) => (
              <Button
                key={k}
                icon={<DownloadOutlined />}
                onClick={() => void download(`/api/v1/imports/templates/${k}.xlsx`, `mau-${k}.xlsx`)}
              >
                {t(`imports.kinds.${k}`)}
              </Button>
            ))}
          </Space>
        </Card>
        <History />
      </Space>
    </section>
  )
}

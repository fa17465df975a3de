// The audit log, newest first: filters by entity, entity id, action, actor
// and period (kept in the address); the before and after of each row.
import { HistoryOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Button, DatePicker, Descriptions, Space, Tag, Typography } from 'antd'
import dayjs from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, unwrap, type Schemas } from '../../api/client'
import { adminVi } from '../../i18n/admin'
import { FilterSelect, ListTab, PagedTable, SearchFilter } from './lists'
import { intParam, useParam } from './shared'
import { formatDateTime } from '../../format'

type AuditRecord = Schemas['AuditRecord']

const PAGE_SIZE = 50
const DAY = 'YYYY-MM-DD'

const ENTITIES = Object.keys(adminVi.audit.entities)
const ACTIONS = Object.entries(adminVi.audit.actions).flatMap(([entity, verbs]) =>
  Object.keys(verbs).map((verb) => `${entity}.${verb}`),
)

/** Action prefixes recorded on an entity of another name. */
const ALSO: { [entity: string]: string[] } = {
  org_unit: ['unit'],
  ntm_criteria_set: ['ntm_set'],
  programme: ['beneficiaries'],
}

/** Whether an action is done on the entity. */
function actionOf(action: string, entity: string | undefined): boolean {
  if (!entity) return true
  return [entity, ...(ALSO[entity] ?? [])].some((prefix) => action.startsWith(`${prefix}.`))
}

/** A local day's start or end as the API reads times: UTC, without a zone. */
export function utcBound(day: string, end: boolean): string {
  const local = end ? dayjs(day).endOf('day') : dayjs(day).startOf('day')
  return local.toDate().toISOString().slice(0, 19)
}

/** The filters of the address, typed for the API. */
export function auditQuery(params: URLSearchParams) {
  const page = intParam(params, 'page') ?? 1
  const day = (key: string) => {
    const v = params.get(key)
    return v && dayjs(v, DAY).isValid() ? v : undefined
  }
  const from = day('from')
  const to = day('to')
  return {
    page,
    from,
    to,
    query: {
      entity: params.get('entity') || undefined,
      entity_id: params.get('entity_id') || undefined,
      action: params.get('action') || undefined,
      actor_kind: params.get('actor_kind') || undefined,
      actor_id: intParam(params, 'actor_id'),
      from: from ? utcBound(from, false) : undefined,
      to: to ? utcBound(to, true) : undefined,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    },
  }
}

function useLabels() {
  const { t } = useTranslation()
  const text = (key: string, fallback: string) => {
    const v = t(key, { defaultValue: fallback })
    return typeof v === 'string' ? v : fallback
  }
  return {
    entity: (e: string) => text(`admin.audit.entities.${e}`, e),
    action: (a: string) => (a.includes('.') ? text(`admin.audit.actions.${a}`, a) : a),
  }
}

function Json({ value }: { value: unknown }) {
  const { t } = useTranslation()
  if (value === null || value === undefined) return <Typography.Text type="secondary">{t('admin.audit.nothing')}</Typography.Text>
  return (
    <pre className="audit-json" style={{ margin: 0, maxHeight: 320, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
      {JSON.stringify(value, null, 2)}
    </pre>
  )
}

/** Users to filter by: what the API finds for the typed text. */
function ActorPicker({ value, onChange }: { value?: number; onChange: (id: number | undefined) => void }) {
  const { t } = useTranslation()
  const [q, setQ] = useState('')
  const users = useQuery({
    queryKey: ['users', 'picker', q],
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET('/api/v1/users', { params: { query: { q: q || undefined, limit: 20 } } })),
  })
  const options = (users.data?.items ?? []).map((u) => ({ value: u.id, label: `${u.full_name} (${u.username})` }))
  if (value !== undefined && !options.some((o) => o.value === value)) options.unshift({ value, label: `#${value}` })
  return (
    <FilterSelect<number>
      label={t('admin.audit.actor')}
      showSearch={{ filterOption: false, onSearch: setQ }}
      value={value}
      onChange={(v) => onChange(v ?? undefined)}
      options={options}
      loading={users.isFetching}
      width={240}
    />
  )
}

export function AuditTab() {
  const { t } = useTranslation()
  const labels = useLabels()
  const [params, set] = useParam()
  const { page, from, to, query } = auditQuery(params)
  return (
    <ListTab
      filters={
        <>
          <FilterSelect
            label={t('admin.audit.entity')}
            showSearch={{ optionFilterProp: 'label' }}
            value={query.entity}
            onChange={(v) => set({ entity: v, entity_id: undefined })}
            options={ENTITIES.map((e) => ({ value: e, label: labels.entity(e) }))}
            width={220}
          />
          <SearchFilter
            key={query.entity_id ?? ''}
            value={query.entity_id}
            label={t('admin.audit.entityId')}
            onSearch={(v) => set({ entity_id: v })}
            width={190}
          />
          <FilterSelect
            label={t('admin.audit.action')}
            showSearch={{ optionFilterProp: 'label' }}
            value={query.action}
            onChange={(v) => set({ action: v })}
            options={ACTIONS.filter((a) => actionOf(a, query.entity)).map((a) => ({
              value: a,
              label: `${labels.action(a)} (${a})`,
            }))}
            width={280}
          />
          <FilterSelect
            label={t('admin.audit.actorKind')}
            value={query.actor_kind}
            onChange={(v) => set({ actor_kind: v, actor_id: undefined })}
            options={[
              { value: 'user', label: t('admin.audit.actorUser') },
              { value: 'service_account', label: t('admin.audit.actorService') },
            ]}
            width={190}
          />
          {query.actor_kind !== 'service_account' && (
            <ActorPicker
              value={query.actor_id}
              onChange={(id) => set({ actor_id: id, actor_kind: id === undefined ? query.actor_kind : 'user' })}
            />
          )}
          <DatePicker.RangePicker
            format="DD/MM/YYYY"
            aria-label={t('admin.audit.period')}
            placeholder={[t('admin.audit.from'), t('admin.audit.to')]}
            value={[from ? dayjs(from) : null, to ? dayjs(to) : null]}
            allowEmpty={[true, true]}
            onChange={(range) => set({ from: range?.[0]?.format(DAY), to: range?.[1]?.format(DAY) })}
          />
          <Button onClick={() => set({ entity: undefined, entity_id: undefined, action: undefined, actor_kind: undefined, actor_id: undefined, from: undefined, to: undefined })}>
            {t('common.clear')}
          </Button>
        </>
      }
    >
      <PagedTable<AuditRecord>
        queryKey={['audit', query]}
        fetch={async () => unwrap(await api.GET('/api/v1/audit', { params: { query } }))}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={(p) => set({ page: p })}
        size="small"
        data-testid="audit"
        scroll={{ x: 1000 }}
        expandable={{
          expandedRowRender: (r) => (
            <Descriptions
              size="small"
              bordered
              column={1}
              items={[
                { key: 'before', label: t('admin.audit.before'), children: <Json value={r.before} /> },
                { key: 'after', label: t('admin.audit.after'), children: <Json value={r.after} /> },
                { key: 'request', label: t('admin.audit.requestId'), children: r.request_id ?? '—' },
                { key: 'client', label: t('admin.audit.client'), children: r.client_addr ?? '—' },
                { key: 'hash', label: t('admin.audit.hash'), children: <Typography.Text code>{r.hash}</Typography.Text> },
              ]}
            />
          ),
        }}
        columns={[
          { title: t('admin.audit.at'), dataIndex: 'at', width: 150, render: (at: string) => formatDateTime(at) },
          {
            title: t('admin.audit.actor'),
            dataIndex: 'actor_name',
            render: (name: string, r: AuditRecord) => (
              <Space size={4} wrap>
                {name}
                {r.actor_kind === 'service_account' && <Tag>{t('admin.audit.actorService')}</Tag>}
              </Space>
            ),
          },
          {
            title: t('admin.audit.action'),
            dataIndex: 'action',
            render: (a: string) => (
              <Space orientation="vertical" size={0}>
                {labels.action(a)}
                <Typography.Text type="secondary" code>
                  {a}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('admin.audit.entity'),
            key: 'entity',
            render: (_: unknown, r: AuditRecord) => (
              <Space size={4}>
                <span>{`${labels.entity(r.entity)} #${r.entity_id}`}</span>
                <Button
                  type="text"
                  size="small"
                  icon={<HistoryOutlined />}
                  title={t('admin.audit.historyOf')}
                  aria-label={`${t('admin.audit.historyOf')}: ${labels.entity(r.entity)} #${r.entity_id}`}
                  onClick={() => set({ entity: r.entity, entity_id: r.entity_id, action: undefined })}
                />
              </Space>
            ),
          },
          { title: t('admin.audit.client'), dataIndex: 'client_addr', width: 140, render: (v: string | null) => v ?? '' },
        ]}
      />
    </ListTab>
  )
}

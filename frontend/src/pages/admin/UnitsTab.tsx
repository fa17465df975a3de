// Units: search (with or without diacritics), by level, the tree as it was on
// a date; a unit's ancestors, children and lineage (the 2025 reorganisation
// merged communes and provinces); rename, close, add a child, merge.
import { ApartmentOutlined, EditOutlined, MergeCellsOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import {
  AutoComplete,
  Breadcrumb,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Form,
  Input,
  Radio,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { EmptyState, QueryView } from '../../components/status'
import { UnitPicker, useUnit } from '../../components/units'
import { formatDate } from '../../format'
import { FormDialog, SaveForm, UnitField, useFormSave, useRequired } from './forms'
import { FilterSelect, ListTab, PagedTable, RowDrawer, SearchFilter, useListParams } from './lists'
import { UNIT_KINDS, type UnitKind } from './shared'

type Unit = Schemas['Unit']
type UnitLink = Schemas['UnitLink']
type CreateUnit = Schemas['CreateUnit']

const PAGE_SIZE = 20
const DAY = 'YYYY-MM-DD'

/** The official types people pick from for each level (free text is allowed). */
const UNIT_TYPES: Record<UnitKind, string[]> = {
  province: ['tỉnh', 'thành phố'],
  district: ['huyện', 'quận', 'thị xã', 'thành phố'],
  commune: ['xã', 'phường', 'đặc khu', 'thị trấn'],
  village: ['thôn', 'tổ dân phố', 'khu phố', 'bản', 'ấp'],
  agency: ['sở', 'ban', 'văn phòng', 'ủy ban', 'cơ quan'],
}

/** The usual level of a child: communes under a province, villages under a commune. */
const CHILD_KIND: Record<UnitKind, UnitKind> = {
  province: 'commune',
  district: 'commune',
  commune: 'village',
  village: 'village',
  agency: 'agency',
}

/** The queries a change of a unit makes stale. */
const UNIT_QUERIES = [['org-units'], ['org-unit'], ['org-unit-links']]

/** Active, or closed from a date. */
function Validity({ unit }: { unit: Unit }) {
  const { t } = useTranslation()
  if (!unit.valid_to) return <Tag color="success">{t('admin.units.open')}</Tag>
  return <Tag>{t('admin.units.closed')}</Tag>
}

interface UnitFieldValues {
  parent_id?: number
  name: string
  short_name?: string
  kind: UnitKind
  unit_type: string
  code?: string
  valid_from?: Dayjs
  alt_names?: string[]
}

/** The fields of a unit to create, under `prefix` (the merge's `new_unit`). */
/** `merging`: the new unit of a merge, valid from the merge's effective date. */
function UnitFields({ prefix = [], merging = false }: { prefix?: string[]; merging?: boolean }) {
  const { t } = useTranslation()
  const form = Form.useFormInstance()
  const kind = Form.useWatch([...prefix, 'kind'], form) as UnitKind | undefined
  const { choice, text } = useRequired()
  const name = (field: string) => [...prefix, field]
  return (
    <>
      <Form.Item name={name('parent_id')} label={t('admin.units.parent')} extra={t('admin.units.parentHint')}>
        <UnitPicker ariaLabel={t('admin.units.parent')} />
      </Form.Item>
      <Form.Item name={name('name')} label={t('admin.units.name')} rules={text}>
        <Input placeholder="Xã Hòa Bình" />
      </Form.Item>
      <Form.Item name={name('short_name')} label={t('admin.units.shortName')} extra={t('admin.units.shortNameHint')}>
        <Input />
      </Form.Item>
      <Space wrap align="start">
        <Form.Item name={name('kind')} label={t('admin.units.kind')} rules={choice}>
          <Select
            style={{ width: 220 }}
            options={UNIT_KINDS.map((k) => ({ value: k, label: t(`admin.kinds.${k}`) }))}
          />
        </Form.Item>
        <Form.Item name={name('unit_type')} label={t('admin.units.unitType')} rules={text}>
          <AutoComplete
            style={{ width: 200 }}
            placeholder={t('admin.units.unitTypeHint')}
            options={(kind ? UNIT_TYPES[kind] : []).map((v) => ({ value: v }))}
          />
        </Form.Item>
      </Space>
      <Space wrap align="start">
        <Form.Item name={name('code')} label={t('admin.units.code')} extra={t('admin.units.codeHint')}>
          <Input inputMode="numeric" style={{ width: 200 }} />
        </Form.Item>
        {!merging && (
          <Form.Item name={name('valid_from')} label={t('admin.units.validFrom')}>
            <DatePicker format="DD/MM/YYYY" />
          </Form.Item>
        )}
      </Space>
      <Form.Item name={name('alt_names')} label={t('admin.units.altNames')} extra={t('admin.units.altNamesHint')}>
        <Select mode="tags" open={false} suffixIcon={null} aria-label={t('admin.units.altNames')} />
      </Form.Item>
    </>
  )
}

function createBody(v: UnitFieldValues): CreateUnit {
  return {
    parent_id: v.parent_id ?? null,
    name: v.name.trim(),
    short_name: v.short_name?.trim() || null,
    kind: v.kind,
    unit_type: v.unit_type.trim(),
    code: v.code?.trim() || null,
    valid_from: v.valid_from ? v.valid_from.format(DAY) : null,
    alt_names: v.alt_names ?? [],
  }
}

function CreateUnitForm({ parent, onDone }: { parent?: Unit; onDone: (unit?: Unit) => void }) {
  const { t } = useTranslation()
  const { form, save } = useFormSave({
    mutationFn: async (v: UnitFieldValues) => unwrap(await api.POST('/api/v1/org-units', { body: createBody(v) })),
    invalidate: UNIT_QUERIES,
    success: t('admin.units.created'),
    onSaved: (unit) => onDone(unit),
  })
  return (
    <SaveForm
      form={form}
      save={save}
      name="create-unit"
      initialValues={{ parent_id: parent?.id, kind: parent ? CHILD_KIND[parent.kind] : 'commune', alt_names: [] }}
      onCancel={onDone}
    >
      <UnitFields />
    </SaveForm>
  )
}

interface RenameValues {
  name: string
  short_name?: string
  alt_names: string[]
}

function RenameForm({ unit, onDone }: { unit: Unit; onDone: () => void }) {
  const { t } = useTranslation()
  const { text } = useRequired()
  const { form, save } = useFormSave({
    mutationFn: async (v: RenameValues) =>
      unwrap(
        await api.PATCH('/api/v1/org-units/{id}', {
          params: { path: { id: unit.id } },
          body: { name: v.name.trim(), short_name: v.short_name?.trim() || null, alt_names: v.alt_names },
        }),
      ),
    invalidate: UNIT_QUERIES,
    success: t('admin.units.renamed'),
    onSaved: () => onDone(),
  })
  return (
    <SaveForm
      form={form}
      save={save}
      name="rename-unit"
      initialValues={{ name: unit.name, alt_names: unit.alt_names }}
      submit={t('admin.units.rename')}
      onCancel={onDone}
    >
      <Form.Item name="name" label={t('admin.units.newName')} rules={text}>
        <Input />
      </Form.Item>
      <Form.Item name="short_name" label={t('admin.units.shortName')} extra={t('admin.units.shortNameHint')}>
        <Input placeholder={unit.short_name} />
      </Form.Item>
      <Form.Item name="alt_names" label={t('admin.units.altNames')} extra={t('admin.units.altNamesHint')}>
        <Select mode="tags" open={false} suffixIcon={null} aria-label={t('admin.units.altNames')} />
      </Form.Item>
    </SaveForm>
  )
}

function CloseForm({ unit, onDone }: { unit: Unit; onDone: () => void }) {
  const { t } = useTranslation()
  const { choice } = useRequired()
  const { form, save } = useFormSave({
    mutationFn: async (v: { valid_to: Dayjs }) =>
      unwrap(
        await api.POST('/api/v1/org-units/{id}/close', {
          params: { path: { id: unit.id } },
          body: { valid_to: v.valid_to.format(DAY) },
        }),
      ),
    invalidate: UNIT_QUERIES,
    success: t('admin.units.closedDone'),
    onSaved: () => onDone(),
  })
  return (
    <SaveForm
      form={form}
      save={save}
      name="close-unit"
      intro={<Typography.Paragraph type="secondary">{t('admin.units.closeHint')}</Typography.Paragraph>}
      submit={t('admin.units.close')}
      danger
      onCancel={onDone}
    >
      <Form.Item name="valid_to" label={t('admin.units.closeDate')} rules={choice}>
        <DatePicker format="DD/MM/YYYY" />
      </Form.Item>
    </SaveForm>
  )
}

interface MergeValues {
  predecessor_ids: number[]
  target: 'existing' | 'new'
  successor_id?: number
  new_unit?: UnitFieldValues
  effective_date: Dayjs
  move_children: boolean
}

function MergeForm({ predecessorIds, onDone }: { predecessorIds: number[]; onDone: (successor?: Unit) => void }) {
  const { t } = useTranslation()
  const { choice } = useRequired()
  const { form, save } = useFormSave({
    mutationFn: async (v: MergeValues) =>
      unwrap(
        await api.POST('/api/v1/org-units/merges', {
          body: {
            predecessor_ids: v.predecessor_ids,
            successor_id: v.target === 'existing' ? (v.successor_id ?? null) : null,
            new_unit: v.target === 'new' && v.new_unit ? createBody(v.new_unit) : null,
            effective_date: v.effective_date.format(DAY),
            move_children: v.move_children,
          },
        }),
      ),
    invalidate: UNIT_QUERIES,
    success: (result) =>
      [
        t('admin.units.merged', { count: result.closed.length, name: result.successor.name }),
        result.moved_children.length ? t('admin.units.movedChildren', { count: result.moved_children.length }) : '',
      ]
        .filter(Boolean)
        .join('. '),
    onSaved: (result) => onDone(result.successor),
  })
  const target = Form.useWatch('target', form) ?? 'existing'
  return (
    <SaveForm
      form={form}
      save={save}
      name="merge-units"
      initialValues={{
        predecessor_ids: predecessorIds,
        target: 'existing',
        move_children: true,
        new_unit: { kind: 'commune', unit_type: 'xã', alt_names: [] },
      }}
      intro={<Typography.Paragraph type="secondary">{t('admin.units.mergeHint')}</Typography.Paragraph>}
      submit={t('admin.units.merge')}
      onCancel={onDone}
    >
      <Form.Item
        name="predecessor_ids"
        label={t('admin.units.predecessorIds')}
        rules={[{ required: true, type: 'array', min: 1, message: t('admin.required') }]}
      >
        <UnitPicker multiple ariaLabel={t('admin.units.predecessorIds')} style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item name="target" label={t('admin.units.target')}>
        <Radio.Group
          options={[
            { value: 'existing', label: t('admin.units.targetExisting') },
            { value: 'new', label: t('admin.units.targetNew') },
          ]}
        />
      </Form.Item>
      {target === 'existing' ? (
        <UnitField name="successor_id" label={t('admin.units.successor')} />
      ) : (
        <Card size="small" title={t('admin.units.newUnit')} style={{ marginBottom: 16 }}>
          <UnitFields prefix={['new_unit']} merging />
        </Card>
      )}
      <Form.Item name="effective_date" label={t('admin.units.effectiveDate')} rules={choice}>
        <DatePicker format="DD/MM/YYYY" />
      </Form.Item>
      <Form.Item name="move_children" valuePropName="checked">
        <Checkbox>{t('admin.units.moveChildren')}</Checkbox>
      </Form.Item>
    </SaveForm>
  )
}

/** A unit's name as a button that opens it. */
function UnitButton({ unit, onOpen }: { unit: Pick<Unit, 'id' | 'name'>; onOpen: (id: number) => void }) {
  return (
    <Button type="link" size="small" className="link-button" onClick={() => onOpen(unit.id)}>
      {unit.name}
    </Button>
  )
}

/** Predecessors or successors: the unit at the other end, the date, the note. */
function LinkTable({
  id,
  direction,
  onOpen,
}: {
  id: number
  direction: 'predecessors' | 'successors'
  onOpen: (id: number) => void
}) {
  const { t } = useTranslation()
  const links = useQuery({
    queryKey: ['org-unit-links', id, direction],
    queryFn: async () =>
      unwrap(
        direction === 'predecessors'
          ? await api.GET('/api/v1/org-units/{id}/predecessors', { params: { path: { id } } })
          : await api.GET('/api/v1/org-units/{id}/successors', { params: { path: { id } } }),
      ),
  })
  const title = t(`admin.units.${direction}`)
  return (
    <section aria-label={title}>
      <Typography.Title level={5}>{title}</Typography.Title>
      <QueryView query={links}>
        {(rows) => (
          <Table<UnitLink>
            rowKey={(l) => `${l.unit.id}-${l.effective_date}`}
            size="small"
            pagination={false}
            dataSource={rows}
            locale={{
              emptyText: (
                <EmptyState
                  description={t(direction === 'predecessors' ? 'admin.units.noPredecessors' : 'admin.units.noSuccessors')}
                />
              ),
            }}
            columns={[
              {
                title: t('admin.units.name'),
                key: 'unit',
                render: (_: unknown, l: UnitLink) => <UnitButton unit={l.unit} onOpen={onOpen} />,
              },
              {
                title: t('admin.units.kind'),
                key: 'kind',
                render: (_: unknown, l: UnitLink) => t(`admin.kinds.${l.unit.kind}`),
              },
              {
                title: t('admin.units.effectiveDate'),
                dataIndex: 'effective_date',
                width: 130,
                render: (d: string) => formatDate(d),
              },
              { title: t('admin.units.note'), dataIndex: 'note' },
              {
                title: t('admin.units.weight'),
                dataIndex: 'weight',
                width: 90,
                render: (w: number | null | undefined) => (w === null || w === undefined ? '—' : w),
              },
            ]}
          />
        )}
      </QueryView>
    </section>
  )
}

type Dialog =
  | { kind: 'rename'; unit: Unit }
  | { kind: 'close'; unit: Unit }
  | { kind: 'create'; parent?: Unit }
  | { kind: 'merge'; predecessorIds: number[] }

function UnitDetails({
  id,
  asOf,
  manage,
  onOpen,
  onDialog,
}: {
  id: number
  asOf?: string
  manage: boolean
  onOpen: (id: number) => void
  onDialog: (d: Dialog) => void
}) {
  const { t } = useTranslation()
  const detail = useUnit(id)
  const children = useQuery({
    queryKey: ['org-units', 'children', id, asOf],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/org-units', { params: { query: { parent_id: id, as_of: asOf, limit: 500 } } }),
      ),
  })
  return (
    <QueryView query={detail}>
      {(unit) => (
        <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="unit-details">
          <Breadcrumb
            items={[
              ...unit.ancestors.map((a) => ({ key: a.id, title: <UnitButton unit={a} onOpen={onOpen} /> })),
              { key: unit.id, title: unit.name },
            ]}
          />
          <Descriptions
            size="small"
            bordered
            column={1}
            items={[
              { key: 'name', label: t('admin.units.name'), children: unit.name },
              { key: 'short', label: t('admin.units.shortName'), children: unit.short_name },
              { key: 'kind', label: t('admin.units.kind'), children: t(`admin.kinds.${unit.kind}`) },
              { key: 'type', label: t('admin.units.unitType'), children: unit.unit_type },
              { key: 'code', label: t('admin.units.code'), children: unit.code ?? '—' },
              { key: 'from', label: t('admin.units.validFrom'), children: formatDate(unit.valid_from) || '—' },
              {
                key: 'to',
                label: t('admin.units.validTo'),
                children: (
                  <Space>
                    {formatDate(unit.valid_to) || '—'}
                    <Validity unit={unit} />
                  </Space>
                ),
              },
              { key: 'alt', label: t('admin.units.altNames'), children: unit.alt_names.join('; ') || '—' },
            ]}
          />
          {manage && !unit.valid_to && (
            <Space wrap>
              <Button icon={<EditOutlined />} onClick={() => onDialog({ kind: 'rename', unit })}>
                {t('admin.units.rename')}
              </Button>
              <Button icon={<PlusOutlined />} onClick={() => onDialog({ kind: 'create', parent: unit })}>
                {t('admin.units.createChild')}
              </Button>
              <Button icon={<MergeCellsOutlined />} onClick={() => onDialog({ kind: 'merge', predecessorIds: [unit.id] })}>
                {t('admin.units.mergeThis')}
              </Button>
              <Button danger icon={<StopOutlined />} onClick={() => onDialog({ kind: 'close', unit })}>
                {t('admin.units.close')}
              </Button>
            </Space>
          )}
          <Typography.Title level={4}>{t('admin.units.lineage')}</Typography.Title>
          <LinkTable id={unit.id} direction="predecessors" onOpen={onOpen} />
          <LinkTable id={unit.id} direction="successors" onOpen={onOpen} />
          <section aria-label={t('admin.units.children')}>
            <Typography.Title level={4}>{t('admin.units.children')}</Typography.Title>
            <QueryView query={children}>
              {(page) => (
                <Table<Unit>
                  rowKey="id"
                  size="small"
                  dataSource={page.items}
                  pagination={page.items.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
                  locale={{ emptyText: <EmptyState description={t('admin.units.noChildren')} /> }}
                  columns={[
                    {
                      title: t('admin.units.name'),
                      dataIndex: 'name',
                      render: (_: string, u: Unit) => <UnitButton unit={u} onOpen={onOpen} />,
                    },
                    { title: t('admin.units.unitType'), dataIndex: 'unit_type', width: 110 },
                    { title: t('admin.units.code'), dataIndex: 'code', width: 90 },
                    {
                      title: t('admin.status'),
                      key: 'validity',
                      width: 170,
                      render: (_: unknown, u: Unit) => <Validity unit={u} />,
                    },
                  ]}
                />
              )}
            </QueryView>
          </section>
        </Space>
      )}
    </QueryView>
  )
}

export function UnitsTab() {
  const { t } = useTranslation()
  const { hasRole } = useAuth()
  const manage = hasRole('system_admin')
  const { params, set, q, page, selected, select: open } = useListParams('unit')
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const kindParam = params.get('kind') as UnitKind | null
  const kind = kindParam && UNIT_KINDS.includes(kindParam) ? kindParam : undefined
  const asOf = params.get('as_of') && dayjs(params.get('as_of')).isValid() ? (params.get('as_of') ?? undefined) : undefined
  const query = {
    q: q || undefined,
    kind,
    as_of: asOf,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  }
  const closeDialog = () => setDialog(null)
  /** Closes the dialog, then opens the unit it made, if any. */
  const closeAndOpen = (unit?: Unit) => {
    closeDialog()
    if (unit) open(unit.id)
  }

  return (
    <ListTab
      filters={
        <>
          <SearchFilter
            value={q}
            label={t('admin.units.search')}
            placeholder={t('admin.units.searchPlaceholder')}
            onSearch={(v) => set({ q: v })}
          />
          <FilterSelect
            label={t('admin.units.kind')}
            value={kind}
            onChange={(v) => set({ kind: v })}
            options={UNIT_KINDS.map((k) => ({ value: k, label: t(`admin.kinds.${k}`) }))}
            width={220}
          />
          <Tooltip title={t('admin.units.asOfHint')}>
            <DatePicker
              format="DD/MM/YYYY"
              placeholder={t('admin.units.asOf')}
              aria-label={t('admin.units.asOf')}
              value={asOf ? dayjs(asOf) : null}
              onChange={(d) => set({ as_of: d ? d.format(DAY) : undefined })}
            />
          </Tooltip>
          {manage && (
            <>
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'create' })}>
                {t('admin.units.create')}
              </Button>
              <Button icon={<ApartmentOutlined />} onClick={() => setDialog({ kind: 'merge', predecessorIds: [] })}>
                {t('admin.units.merge')}
              </Button>
            </>
          )}
        </>
      }
    >
      <PagedTable<Unit>
        queryKey={['org-units', 'admin', query]}
        fetch={async () => unwrap(await api.GET('/api/v1/org-units', { params: { query } }))}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={(p) => set({ page: p })}
        scroll={{ x: 800 }}
        columns={[
          {
            title: t('admin.units.name'),
            dataIndex: 'name',
            render: (_: string, u: Unit) => (
              <Button
                type="link"
                size="small"
                className="link-button"
                aria-label={t('admin.units.select', { name: u.name })}
                onClick={() => open(u.id)}
              >
                {u.name}
              </Button>
            ),
          },
          { title: t('admin.units.kind'), dataIndex: 'kind', width: 170, render: (k: UnitKind) => t(`admin.kinds.${k}`) },
          { title: t('admin.units.unitType'), dataIndex: 'unit_type', width: 110 },
          { title: t('admin.units.code'), dataIndex: 'code', width: 90 },
          {
            title: t('admin.units.validFrom'),
            dataIndex: 'valid_from',
            width: 120,
            render: (d: string | null) => formatDate(d) || '—',
          },
          {
            title: t('admin.units.validTo'),
            dataIndex: 'valid_to',
            width: 140,
            render: (d: string | null, u: Unit) => (d ? formatDate(d) : <Validity unit={u} />),
          },
        ]}
      />
      <RowDrawer id={selected} onClose={() => open(undefined)} size={760} title={t('admin.units.details')}>
        {(id) => <UnitDetails id={id} asOf={asOf} manage={manage} onOpen={open} onDialog={setDialog} />}
      </RowDrawer>
      <FormDialog
        open={dialog !== null}
        onClose={closeDialog}
        width={dialog?.kind === 'merge' || dialog?.kind === 'create' ? 720 : 520}
        title={
          dialog?.kind === 'rename'
            ? `${t('admin.units.rename')}: ${dialog.unit.name}`
            : dialog?.kind === 'close'
              ? `${t('admin.units.closeTitle')}: ${dialog.unit.name}`
              : dialog?.kind === 'create'
                ? dialog.parent
                  ? `${t('admin.units.createChild')}: ${dialog.parent.name}`
                  : t('admin.units.create')
                : t('admin.units.merge')
        }
      >
        {dialog?.kind === 'rename' && <RenameForm unit={dialog.unit} onDone={closeDialog} />}
        {dialog?.kind === 'close' && <CloseForm unit={dialog.unit} onDone={closeDialog} />}
        {dialog?.kind === 'create' && <CreateUnitForm parent={dialog.parent} onDone={closeAndOpen} />}
        {dialog?.kind === 'merge' && <MergeForm predecessorIds={dialog.predecessorIds} onDone={closeAndOpen} />}
      </FormDialog>
    </ListTab>
  )
}

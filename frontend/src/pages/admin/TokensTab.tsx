// Service accounts (integrations that call the API) and board tokens (the
// public wall board of an issuing unit): list, create, revoke; the key or
// token the API answers with is shown once, with copy buttons.
import { PlusOutlined } from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd'
import { useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { absolute, api, unwrap, type Schemas } from '../../api/client'
import { useAuth, type Role } from '../../auth/AuthContext'
import { EmptyState, QueryView } from '../../components/status'
import { UnitName } from '../../components/units'
import { ConfirmButton, SaveForm, UnitField, useFormSave, useRequired } from './forms'
import { OneTimeSecret, ROLES, useGrantLabel, useRoleOptions } from './shared'
import { formatDateTime } from '../../format'

type ServiceAccount = Schemas['ServiceAccount']
type BoardToken = Schemas['BoardToken']

/** The board's address for a token. */
export function boardUrl(token: string): string {
  return absolute(`/board?token=${encodeURIComponent(token)}`)
}

function Status({ revokedAt, active = true }: { revokedAt?: string | null; active?: boolean }) {
  const { t } = useTranslation()
  if (revokedAt || !active)
    return (
      <Tag color="error">
        {t('admin.revoked')}
        {revokedAt ? ` ${formatDateTime(revokedAt)}` : ''}
      </Tag>
    )
  return <Tag color="success">{t('admin.active')}</Tag>
}

/** A create dialog: the form, then the secret the API answered with. */
function CreateDialog({
  open,
  title,
  onClose,
  children,
  secret,
}: {
  open: boolean
  title: string
  onClose: () => void
  children: ReactNode
  secret: ReactNode | null
}) {
  const { t } = useTranslation()
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      destroyOnHidden
      mask={{ closable: secret === null }}
      footer={
        secret === null ? null : (
          <Button type="primary" onClick={onClose}>
            {t('admin.tokens.savedSecret')}
          </Button>
        )
      }
    >
      {secret ?? children}
    </Modal>
  )
}

/** What a service account and a board token share: a name, dates, a revocation. */
interface Issued {
  id: number
  name: string
  active?: boolean
  created_at: string
  last_used_at?: string | null
  revoked_at?: string | null
}

/**
 * A card of issued credentials (`kind`, also the query key and the table's
 * test id): the list with `columns` first, then the status, the dates and the
 * revoke button; a create dialog with the form's `fields` that, once saved,
 * shows the secret the API answered with, once.
 */
function IssuedCard<Row extends Issued, Values extends { name: string }>({
  kind,
  title,
  hint,
  createLabel,
  scrollX,
  columns,
  list,
  create,
  revoke,
  revokeConfirm,
  formName,
  initialValues,
  nameExample,
  fields,
  secret,
}: {
  kind: string
  title: string
  hint: string
  createLabel: string
  scrollX: number
  columns: TableColumnsType<Row>
  list: () => Promise<Row[]>
  /** Creates one; its secret. */
  create: (values: Values) => Promise<string>
  revoke: (id: number) => Promise<unknown>
  revokeConfirm: (row: Row) => string
  formName: string
  initialValues?: Partial<Values>
  /** The name field's placeholder. */
  nameExample: string
  /** The form's fields after the name. */
  fields: ReactNode
  secret: (value: string) => ReactNode
}) {
  const { t } = useTranslation()
  const { text } = useRequired()
  const queryClient = useQueryClient()
  const [open, setOpen] = useState(false)
  const [created, setCreated] = useState<string | null>(null)
  const rows = useQuery({ queryKey: [kind], queryFn: list })
  const { form, save } = useFormSave({
    mutationFn: create,
    invalidate: [[kind]],
    onSaved: (secret) => setCreated(secret),
  })
  const close = () => {
    setOpen(false)
    setCreated(null)
    save.reset()
    form.resetFields()
  }
  return (
    <Card
      title={title}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
          {createLabel}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph>
      <QueryView query={rows}>
        {(data) => (
          <Table<Row>
            rowKey="id"
            size="small"
            dataSource={data}
            data-testid={kind}
            pagination={data.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            locale={{ emptyText: <EmptyState /> }}
            scroll={{ x: scrollX }}
            columns={[
              ...columns,
              {
                title: t('admin.status'),
                key: 'status',
                width: 200,
                render: (_: unknown, r: Row) => <Status revokedAt={r.revoked_at} active={r.active} />,
              },
              { title: t('admin.createdAt'), dataIndex: 'created_at', width: 150, render: (v: string) => formatDateTime(v) },
              {
                title: t('admin.lastUsed'),
                dataIndex: 'last_used_at',
                width: 150,
                render: (v: string | null) => formatDateTime(v) || t('admin.never'),
              },
              {
                title: t('admin.actions'),
                key: 'revoke',
                width: 110,
                render: (_: unknown, r: Row) =>
                  r.active !== false && !r.revoked_at ? (
                    <ConfirmButton
                      label={t('admin.revoke')}
                      confirm={revokeConfirm(r)}
                      action={async () => {
                        await revoke(r.id)
                        await queryClient.invalidateQueries({ queryKey: [kind] })
                      }}
                      done={t('admin.tokens.revokedDone')}
                    />
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
      <CreateDialog open={open} title={createLabel} onClose={close} secret={created === null ? null : secret(created)}>
        <SaveForm form={form} save={save} name={formName} initialValues={initialValues} onCancel={close}>
          <Form.Item name="name" label={t('admin.tokens.name')} rules={text}>
            <Input placeholder={nameExample} />
          </Form.Item>
          {fields}
        </SaveForm>
      </CreateDialog>
    </Card>
  )
}

interface AccountValues {
  name: string
  description?: string
  role: Role
  unit_id: number
}

function ServiceAccounts() {
  const { t } = useTranslation()
  const { choice } = useRequired()
  const label = useGrantLabel()
  const roles = useRoleOptions(ROLES)
  return (
    <IssuedCard<ServiceAccount, AccountValues>
      kind="service-accounts"
      title={t('admin.tokens.serviceAccounts')}
      hint={t('admin.tokens.serviceAccountsHint')}
      createLabel={t('admin.tokens.createAccount')}
      scrollX={900}
      columns={[
        {
          title: t('admin.tokens.name'),
          dataIndex: 'name',
          render: (name: string, a: ServiceAccount) => (
            <Space orientation="vertical" size={0}>
              <strong>{name}</strong>
              {a.description && <Typography.Text type="secondary">{a.description}</Typography.Text>}
            </Space>
          ),
        },
        {
          title: t('admin.tokens.grants'),
          dataIndex: 'grants',
          render: (_: unknown, a: ServiceAccount) => (
            <Space orientation="vertical" size={0}>
              {a.grants.map((g) => (
                <span key={g.id}>
                  <Tag>{label(g)}</Tag> {g.unit_name}
                </span>
              ))}
            </Space>
          ),
        },
      ]}
      list={async () => unwrap(await api.GET('/api/v1/service-accounts'))}
      create={async (v) => {
        const created = unwrap(
          await api.POST('/api/v1/service-accounts', {
            body: { name: v.name.trim(), description: v.description?.trim() ?? '', role: v.role, unit_id: v.unit_id },
          }),
        )
        return created.key
      }}
      revoke={async (id) => unwrap(await api.POST('/api/v1/service-accounts/{id}/revoke', { params: { path: { id } } }))}
      revokeConfirm={(a) => t('admin.tokens.revokeAccountConfirm', { name: a.name })}
      formName="create-service-account"
      initialValues={{ role: 'viewer' }}
      nameExample="Cổng dịch vụ công tỉnh"
      fields={
        <>
          <Form.Item name="description" label={t('admin.tokens.description')}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="role" label={t('admin.tokens.role')} rules={choice}>
            <Select options={roles} showSearch={{ optionFilterProp: 'label' }} />
          </Form.Item>
          <UnitField name="unit_id" label={t('admin.tokens.unit')} />
        </>
      }
      secret={(key) => (
        <OneTimeSecret items={[{ label: t('admin.tokens.accountKey'), value: key, hint: t('admin.tokens.accountKeyHint') }]} />
      )}
    />
  )
}

interface BoardValues {
  name: string
  unit_id: number
}

function BoardTokens() {
  const { t } = useTranslation()
  return (
    <IssuedCard<BoardToken, BoardValues>
      kind="board-tokens"
      title={t('admin.tokens.boardTokens')}
      hint={t('admin.tokens.boardTokensHint')}
      createLabel={t('admin.tokens.createBoard')}
      scrollX={800}
      columns={[
        { title: t('admin.tokens.name'), dataIndex: 'name', render: (n: string) => <strong>{n}</strong> },
        { title: t('admin.tokens.unit'), dataIndex: 'unit_id', render: (id: number) => <UnitName id={id} /> },
      ]}
      list={async () => unwrap(await api.GET('/api/v1/board-tokens'))}
      create={async (v) =>
        unwrap(await api.POST('/api/v1/board-tokens', { body: { name: v.name.trim(), unit_id: v.unit_id } })).token
      }
      revoke={async (id) => unwrap(await api.POST('/api/v1/board-tokens/{id}/revoke', { params: { path: { id } } }))}
      revokeConfirm={(b) => t('admin.tokens.revokeBoardConfirm', { name: b.name })}
      formName="create-board-token"
      nameExample="Màn hình phòng họp UBND tỉnh"
      fields={<UnitField name="unit_id" label={t('admin.tokens.boardUnit')} />}
      secret={(token) => (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <OneTimeSecret
            items={[
              { label: t('admin.tokens.boardToken'), value: token },
              { label: t('admin.tokens.boardUrl'), value: boardUrl(token) },
            ]}
          />
          <Typography.Link href={boardUrl(token)} target="_blank" rel="noreferrer">
            {t('admin.tokens.openBoard')}
          </Typography.Link>
        </Space>
      )}
    />
  )
}

export function TokensTab() {
  const { hasRole } = useAuth()
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      {hasRole('system_admin') && <ServiceAccounts />}
      {hasRole('system_admin', 'office_leader') && <BoardTokens />}
    </Space>
  )
}

// Service accounts (integrations that call the API) and board tokens (the
// public wall board of an issuing unit): list, create, revoke; the key or
// token the API answers with is shown once, with copy buttons.
import { PlusOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd'
import { useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { absolute, api, unwrap, type Schemas } from '../../api/client'
import { useAuth, type Role } from '../../auth/AuthContext'
import { EmptyState, ProblemAlert, QueryView, setFieldErrors } from '../../components/status'
import { UnitName, UnitPicker } from '../../components/units'
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

function Revoke({ confirm, onRevoke }: { confirm: string; onRevoke: () => Promise<unknown> }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const [busy, setBusy] = useState(false)
  return (
    <Popconfirm
      title={confirm}
      okText={t('admin.revoke')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true }}
      onConfirm={async () => {
        setBusy(true)
        try {
          await onRevoke()
          void message.success(t('admin.tokens.revokedDone'))
        } catch (error) {
          void message.error((error as Error).message || t('common.error'))
        } finally {
          setBusy(false)
        }
      }}
    >
      <Button size="small" danger loading={busy}>
        {t('admin.revoke')}
      </Button>
    </Popconfirm>
  )
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

interface AccountValues {
  name: string
  description?: string
  role: Role
  unit_id: number
}

function ServiceAccounts() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const label = useGrantLabel()
  const roles = useRoleOptions(ROLES)
  const [open, setOpen] = useState(false)
  const [key, setKey] = useState<string | null>(null)
  const [form] = Form.useForm<AccountValues>()
  const accounts = useQuery({
    queryKey: ['service-accounts'],
    queryFn: async () => unwrap(await api.GET('/api/v1/service-accounts')),
  })
  const create = useMutation({
    mutationFn: async (v: AccountValues) =>
      unwrap(
        await api.POST('/api/v1/service-accounts', {
          body: { name: v.name.trim(), description: v.description?.trim() ?? '', role: v.role, unit_id: v.unit_id },
        }),
      ),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['service-accounts'] })
      setKey(created.key)
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const close = () => {
    setOpen(false)
    setKey(null)
    create.reset()
    form.resetFields()
  }
  const revoke = async (id: number) => {
    unwrap(await api.POST('/api/v1/service-accounts/{id}/revoke', { params: { path: { id } } }))
    await queryClient.invalidateQueries({ queryKey: ['service-accounts'] })
  }
  return (
    <Card
      title={t('admin.tokens.serviceAccounts')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
          {t('admin.tokens.createAccount')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('admin.tokens.serviceAccountsHint')}</Typography.Paragraph>
      <QueryView query={accounts}>
        {(rows) => (
          <Table<ServiceAccount>
            rowKey="id"
            size="small"
            dataSource={rows}
            data-testid="service-accounts"
            pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            locale={{ emptyText: <EmptyState /> }}
            scroll={{ x: 900 }}
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
              {
                title: t('admin.status'),
                key: 'status',
                width: 200,
                render: (_: unknown, a: ServiceAccount) => <Status revokedAt={a.revoked_at} active={a.active} />,
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
                render: (_: unknown, a: ServiceAccount) =>
                  a.active && !a.revoked_at ? (
                    <Revoke
                      confirm={t('admin.tokens.revokeAccountConfirm', { name: a.name })}
                      onRevoke={() => revoke(a.id)}
                    />
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
      <CreateDialog
        open={open}
        title={t('admin.tokens.createAccount')}
        onClose={close}
        secret={
          key === null ? null : (
            <OneTimeSecret items={[{ label: t('admin.tokens.accountKey'), value: key, hint: t('admin.tokens.accountKeyHint') }]} />
          )
        }
      >
        <Form<AccountValues>
          form={form}
          name="create-service-account"
          layout="vertical"
          initialValues={{ role: 'viewer' }}
          onFinish={(v) => create.mutate(v)}
        >
          <ProblemAlert error={create.error} />
          <Form.Item
            name="name"
            label={t('admin.tokens.name')}
            rules={[{ required: true, whitespace: true, message: t('admin.required') }]}
          >
            <Input placeholder="Cổng dịch vụ công tỉnh" />
          </Form.Item>
          <Form.Item name="description" label={t('admin.tokens.description')}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item name="role" label={t('admin.tokens.role')} rules={[{ required: true, message: t('admin.required') }]}>
            <Select options={roles} showSearch={{ optionFilterProp: 'label' }} />
          </Form.Item>
          <Form.Item name="unit_id" label={t('admin.tokens.unit')} rules={[{ required: true, message: t('admin.required') }]}>
            <UnitPicker ariaLabel={t('admin.tokens.unit')} style={{ width: '100%' }} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={create.isPending}>
              {t('common.save')}
            </Button>
            <Button onClick={close}>{t('common.cancel')}</Button>
          </Space>
        </Form>
      </CreateDialog>
    </Card>
  )
}

interface BoardValues {
  name: string
  unit_id: number
}

function BoardTokens() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [open, setOpen] = useState(false)
  const [token, setToken] = useState<string | null>(null)
  const [form] = Form.useForm<BoardValues>()
  const tokens = useQuery({
    queryKey: ['board-tokens'],
    queryFn: async () => unwrap(await api.GET('/api/v1/board-tokens')),
  })
  const create = useMutation({
    mutationFn: async (v: BoardValues) =>
      unwrap(await api.POST('/api/v1/board-tokens', { body: { name: v.name.trim(), unit_id: v.unit_id } })),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['board-tokens'] })
      setToken(created.token)
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const close = () => {
    setOpen(false)
    setToken(null)
    create.reset()
    form.resetFields()
  }
  const revoke = async (id: number) => {
    unwrap(await api.POST('/api/v1/board-tokens/{id}/revoke', { params: { path: { id } } }))
    await queryClient.invalidateQueries({ queryKey: ['board-tokens'] })
  }
  return (
    <Card
      title={t('admin.tokens.boardTokens')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
          {t('admin.tokens.createBoard')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('admin.tokens.boardTokensHint')}</Typography.Paragraph>
      <QueryView query={tokens}>
        {(rows) => (
          <Table<BoardToken>
            rowKey="id"
            size="small"
            dataSource={rows}
            data-testid="board-tokens"
            pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            locale={{ emptyText: <EmptyState /> }}
            scroll={{ x: 800 }}
            columns={[
              { title: t('admin.tokens.name'), dataIndex: 'name', render: (n: string) => <strong>{n}</strong> },
              { title: t('admin.tokens.unit'), dataIndex: 'unit_id', render: (id: number) => <UnitName id={id} /> },
              {
                title: t('admin.status'),
                key: 'status',
                width: 200,
                render: (_: unknown, b: BoardToken) => <Status revokedAt={b.revoked_at} />,
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
                render: (_: unknown, b: BoardToken) =>
                  b.revoked_at ? null : (
                    <Revoke confirm={t('admin.tokens.revokeBoardConfirm', { name: b.name })} onRevoke={() => revoke(b.id)} />
                  ),
              },
            ]}
          />
        )}
      </QueryView>
      <CreateDialog
        open={open}
        title={t('admin.tokens.createBoard')}
        onClose={close}
        secret={
          token === null ? null : (
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
          )
        }
      >
        <Form<BoardValues> form={form} name="create-board-token" layout="vertical" onFinish={(v) => create.mutate(v)}>
          <ProblemAlert error={create.error} />
          <Form.Item
            name="name"
            label={t('admin.tokens.name')}
            rules={[{ required: true, whitespace: true, message: t('admin.required') }]}
          >
            <Input placeholder="Màn hình phòng họp UBND tỉnh" />
          </Form.Item>
          <Form.Item
            name="unit_id"
            label={t('admin.tokens.boardUnit')}
            rules={[{ required: true, message: t('admin.required') }]}
          >
            <UnitPicker ariaLabel={t('admin.tokens.boardUnit')} style={{ width: '100%' }} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={create.isPending}>
              {t('common.save')}
            </Button>
            <Button onClick={close}>{t('common.cancel')}</Button>
          </Space>
        </Form>
      </CreateDialog>
    </Card>
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

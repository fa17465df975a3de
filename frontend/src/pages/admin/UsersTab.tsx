// Users in the caller's scope: search, create, edit, lock and unlock; each
// user's grants (a role on a unit's subtree) given and revoked.
import { PlusOutlined, SafetyCertificateOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Checkbox, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth, type Role } from '../../auth/AuthContext'
import { EmptyState, ProblemAlert, QueryView, setFieldErrors } from '../../components/status'
import { UnitName, UnitPicker } from '../../components/units'
import { intParam, useDelegableRoles, useGrantLabel, useParam, useRoleOptions, type GrantView } from './shared'
import { formatDateTime } from '../../format'

type User = Schemas['User']

const PAGE_SIZE = 20

function invalidateUsers(queryClient: ReturnType<typeof useQueryClient>) {
  void queryClient.invalidateQueries({ queryKey: ['users'] })
  void queryClient.invalidateQueries({ queryKey: ['user'] })
}

interface CreateValues {
  username: string
  full_name: string
  email?: string
  phone?: string
  primary_unit_id: number
  password: string
  active: boolean
}

function CreateUserForm({ onDone }: { onDone: (user?: User) => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<CreateValues>()
  const save = useMutation({
    mutationFn: async (v: CreateValues) =>
      unwrap(
        await api.POST('/api/v1/users', {
          body: {
            username: v.username.trim(),
            full_name: v.full_name.trim(),
            email: v.email?.trim() || undefined,
            phone: v.phone?.trim() || undefined,
            primary_unit_id: v.primary_unit_id,
            password: v.password,
            active: v.active,
          },
        }),
      ),
    onSuccess: (user) => {
      invalidateUsers(queryClient)
      void message.success(t('admin.users.created'))
      onDone(user)
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const required = [{ required: true, whitespace: true, message: t('admin.required') }]
  return (
    <Form<CreateValues>
      form={form}
      name="create-user"
      layout="vertical"
      initialValues={{ active: true }}
      onFinish={(v) => save.mutate(v)}
      autoComplete="off"
    >
      <ProblemAlert error={save.error} />
      <Form.Item name="username" label={t('admin.users.username')} extra={t('admin.users.usernameHint')} rules={required}>
        <Input autoComplete="off" placeholder="so.gtvt.canbo" />
      </Form.Item>
      <Form.Item name="full_name" label={t('admin.users.fullName')} rules={required}>
        <Input />
      </Form.Item>
      <Space wrap align="start">
        <Form.Item name="email" label={t('admin.users.email')} rules={[{ type: 'email', message: t('admin.users.emailInvalid') }]}>
          <Input type="email" style={{ width: 280 }} />
        </Form.Item>
        <Form.Item name="phone" label={t('admin.users.phone')}>
          <Input type="tel" style={{ width: 200 }} />
        </Form.Item>
      </Space>
      <Form.Item
        name="primary_unit_id"
        label={t('admin.users.unit')}
        rules={[{ required: true, message: t('admin.required') }]}
      >
        <UnitPicker ariaLabel={t('admin.users.unit')} style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item name="password" label={t('admin.users.password')} extra={t('admin.users.passwordHint')} rules={required}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item name="active" valuePropName="checked">
        <Checkbox>{t('admin.users.activeFlag')}</Checkbox>
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('common.save')}
        </Button>
        <Button onClick={() => onDone()}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  )
}

interface EditValues {
  full_name: string
  email?: string
  phone?: string
  primary_unit_id: number
  password?: string
}

function EditUserForm({ user, onDone }: { user: User; onDone: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<EditValues>()
  const save = useMutation({
    mutationFn: async (v: EditValues) =>
      unwrap(
        await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: user.id } },
          body: {
            full_name: v.full_name.trim(),
            email: v.email?.trim() || undefined,
            phone: v.phone?.trim() || undefined,
            primary_unit_id: v.primary_unit_id,
            password: v.password || undefined,
          },
        }),
      ),
    onSuccess: () => {
      invalidateUsers(queryClient)
      void message.success(t('admin.saved'))
      onDone()
    },
    onError: (error) => setFieldErrors(form, error),
  })
  return (
    <Form<EditValues>
      form={form}
      name="edit-user"
      layout="vertical"
      initialValues={{
        full_name: user.full_name,
        email: user.email ?? undefined,
        phone: user.phone ?? undefined,
        primary_unit_id: user.primary_unit_id,
      }}
      onFinish={(v) => save.mutate(v)}
      autoComplete="off"
    >
      <ProblemAlert error={save.error} />
      <Form.Item label={t('admin.users.username')}>
        <Typography.Text code>{user.username}</Typography.Text>
      </Form.Item>
      <Form.Item
        name="full_name"
        label={t('admin.users.fullName')}
        rules={[{ required: true, whitespace: true, message: t('admin.required') }]}
      >
        <Input />
      </Form.Item>
      <Space wrap align="start">
        <Form.Item name="email" label={t('admin.users.email')} rules={[{ type: 'email', message: t('admin.users.emailInvalid') }]}>
          <Input type="email" style={{ width: 280 }} />
        </Form.Item>
        <Form.Item name="phone" label={t('admin.users.phone')}>
          <Input type="tel" style={{ width: 200 }} />
        </Form.Item>
      </Space>
      <Form.Item
        name="primary_unit_id"
        label={t('admin.users.unit')}
        rules={[{ required: true, message: t('admin.required') }]}
      >
        <UnitPicker ariaLabel={t('admin.users.unit')} style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item name="password" label={t('admin.users.newPassword')} extra={t('admin.users.newPasswordHint')}>
        <Input.Password autoComplete="new-password" />
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

/** Locks or unlocks an account, after a confirmation. */
function ActiveToggle({ user }: { user: User }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const toggle = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { active: !user.active } }),
      ),
    onSuccess: (after) => {
      invalidateUsers(queryClient)
      void message.success(t(after.active ? 'admin.users.activated' : 'admin.users.deactivated'))
    },
    onError: (error) => void message.error(error.message || t('common.error')),
  })
  return (
    <Popconfirm
      title={t(user.active ? 'admin.users.deactivateConfirm' : 'admin.users.activateConfirm', { name: user.full_name })}
      okText={t(user.active ? 'admin.users.deactivate' : 'admin.users.activate')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: user.active }}
      onConfirm={() => toggle.mutateAsync().catch(() => undefined)}
    >
      <Button size="small" danger={user.active} loading={toggle.isPending}>
        {t(user.active ? 'admin.users.deactivate' : 'admin.users.activate')}
      </Button>
    </Popconfirm>
  )
}

function RemoveGrant({ userId, grant }: { userId: number; grant: GrantView }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const label = useGrantLabel()
  const queryClient = useQueryClient()
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE('/api/v1/users/{id}/grants/{grant_id}', {
          params: { path: { id: userId, grant_id: grant.id } },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['user-grants', userId] })
      void message.success(t('admin.users.grantRemoved'))
    },
    onError: (error) => void message.error(error.message || t('common.error')),
  })
  return (
    <Popconfirm
      title={t('admin.users.removeGrantConfirm', { role: label(grant), unit: grant.unit_name })}
      okText={t('admin.revoke')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true }}
      onConfirm={() => remove.mutateAsync().catch(() => undefined)}
    >
      <Button size="small" danger loading={remove.isPending}>
        {t('admin.revoke')}
      </Button>
    </Popconfirm>
  )
}

interface GrantValues {
  role: Role
  unit_id: number
}

function GrantForm({ userId, defaultUnit }: { userId: number; defaultUnit: number }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<GrantValues>()
  const roles = useRoleOptions(useDelegableRoles())
  const save = useMutation({
    mutationFn: async (v: GrantValues) =>
      unwrap(
        await api.POST('/api/v1/users/{id}/grants', {
          params: { path: { id: userId } },
          body: { role: v.role, unit_id: v.unit_id },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['user-grants', userId] })
      void message.success(t('admin.users.granted'))
      form.resetFields(['role'])
    },
    onError: (error) => setFieldErrors(form, error),
  })
  if (roles.length === 0) return null
  return (
    <Form<GrantValues>
      form={form}
      name="grant"
      layout="vertical"
      initialValues={{ unit_id: defaultUnit }}
      onFinish={(v) => save.mutate(v)}
    >
      <Typography.Title level={5}>{t('admin.users.grant')}</Typography.Title>
      <ProblemAlert error={save.error} />
      <Form.Item name="role" label={t('admin.users.role')} rules={[{ required: true, message: t('admin.required') }]}>
        <Select options={roles} showSearch={{ optionFilterProp: 'label' }} />
      </Form.Item>
      <Form.Item
        name="unit_id"
        label={t('admin.users.grantUnit')}
        extra={t('admin.users.grantUnitHint')}
        rules={[{ required: true, message: t('admin.required') }]}
      >
        <UnitPicker ariaLabel={t('admin.users.grantUnit')} style={{ width: '100%' }} />
      </Form.Item>
      <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={save.isPending}>
        {t('admin.users.grant')}
      </Button>
    </Form>
  )
}

function useUser(id: number) {
  return useQuery({
    queryKey: ['user', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/users/{id}', { params: { path: { id } } })),
  })
}

/** The grants drawer's title: whose roles. */
function GrantsTitle({ userId }: { userId: number }) {
  const { t } = useTranslation()
  const user = useUser(userId)
  return <>{user.data ? t('admin.users.grantsOf', { name: user.data.full_name }) : t('admin.users.grants')}</>
}

function Grants({ userId, manage }: { userId: number; manage: boolean }) {
  const { t } = useTranslation()
  const label = useGrantLabel()
  const user = useUser(userId)
  const grants = useQuery({
    queryKey: ['user-grants', userId],
    queryFn: async () => unwrap(await api.GET('/api/v1/users/{id}/grants', { params: { path: { id: userId } } })),
  })
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <QueryView query={grants}>
        {(rows) => (
          <Table<GrantView>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={rows}
            data-testid="user-grants"
            locale={{ emptyText: <EmptyState description={t('admin.users.noGrants')} /> }}
            columns={[
              { title: t('admin.users.role'), key: 'role', render: (_: unknown, g: GrantView) => label(g) },
              { title: t('admin.users.grantUnit'), dataIndex: 'unit_name' },
              ...(manage
                ? [
                    {
                      title: t('admin.actions'),
                      key: 'remove',
                      width: 110,
                      render: (_: unknown, g: GrantView) => <RemoveGrant userId={userId} grant={g} />,
                    },
                  ]
                : []),
            ]}
          />
        )}
      </QueryView>
      {manage && user.data && <GrantForm userId={userId} defaultUnit={user.data.primary_unit_id} />}
    </Space>
  )
}

export function UsersTab() {
  const { t } = useTranslation()
  const { hasRole } = useAuth()
  const manage = hasRole('system_admin', 'office_leader', 'agency_leader')
  const [params, set] = useParam()
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'edit'; user: User } | null>(null)
  const q = params.get('q') ?? ''
  const page = intParam(params, 'page') ?? 1
  const selected = intParam(params, 'user')
  const query = { q: q || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }
  const users = useQuery({
    queryKey: ['users', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/users', { params: { query } })),
    placeholderData: (previous) => previous,
  })
  const openGrants = (id: number | undefined) => set({ user: id, page: params.get('page') })
  const closeDialog = () => setDialog(null)
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap className="filters">
        <Input.Search
          allowClear
          defaultValue={q}
          placeholder={t('admin.users.searchPlaceholder')}
          aria-label={t('admin.users.search')}
          onSearch={(v) => set({ q: v.trim() })}
          style={{ width: 300 }}
        />
        {manage && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'create' })}>
            {t('admin.users.create')}
          </Button>
        )}
      </Space>
      <QueryView query={users}>
        {(data) => (
          <Table<User>
            rowKey="id"
            loading={users.isFetching}
            dataSource={data.items}
            data-testid="users"
            locale={{ emptyText: <EmptyState /> }}
            scroll={{ x: 1350 }}
            pagination={{
              current: page,
              pageSize: PAGE_SIZE,
              total: data.total,
              showSizeChanger: false,
              showTotal: (count) => t('common.total', { count }),
              onChange: (p) => set({ page: p === 1 ? undefined : p }),
            }}
            columns={[
              { title: t('admin.users.fullName'), dataIndex: 'full_name', width: 190 },
              {
                title: t('admin.users.username'),
                dataIndex: 'username',
                width: 180,
                render: (u: string) => (
                  <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
                    {u}
                  </Typography.Text>
                ),
              },
              {
                title: t('admin.users.unit'),
                dataIndex: 'primary_unit_id',
                width: 200,
                render: (id: number) => <UnitName id={id} />,
              },
              {
                title: t('admin.users.email'),
                key: 'contact',
                render: (_: unknown, u: User) => [u.email, u.phone].filter(Boolean).join(' · '),
              },
              {
                title: t('admin.status'),
                dataIndex: 'active',
                width: 140,
                render: (active: boolean) =>
                  active ? (
                    <Tag color="success">{t('admin.users.active')}</Tag>
                  ) : (
                    <Tag color="error">{t('admin.users.inactive')}</Tag>
                  ),
              },
              {
                title: t('admin.createdAt'),
                dataIndex: 'created_at',
                width: 150,
                render: (at: string) => formatDateTime(at),
              },
              {
                title: t('admin.actions'),
                key: 'actions',
                width: 260,
                fixed: 'right' as const,
                render: (_: unknown, u: User) => (
                  <Space size="small" wrap>
                    <Button
                      size="small"
                      icon={<SafetyCertificateOutlined />}
                      aria-label={`${t('admin.users.grants')}: ${u.full_name}`}
                      onClick={() => openGrants(u.id)}
                    >
                      {t('admin.users.grants')}
                    </Button>
                    {manage && (
                      <>
                        <Button
                          size="small"
                          aria-label={`${t('admin.users.edit')}: ${u.full_name}`}
                          onClick={() => setDialog({ kind: 'edit', user: u })}
                        >
                          {t('admin.users.edit')}
                        </Button>
                        <ActiveToggle user={u} />
                      </>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      <Drawer
        open={selected !== undefined}
        onClose={() => openGrants(undefined)}
        size={640}
        title={selected !== undefined ? <GrantsTitle userId={selected} /> : t('admin.users.grants')}
        destroyOnHidden
      >
        {selected !== undefined && <Grants userId={selected} manage={manage} />}
      </Drawer>
      <Modal
        open={dialog !== null}
        onCancel={closeDialog}
        footer={null}
        destroyOnHidden
        width={640}
        title={dialog?.kind === 'edit' ? `${t('admin.users.editTitle')}: ${dialog.user.full_name}` : t('admin.users.create')}
      >
        {dialog?.kind === 'create' && (
          <CreateUserForm
            onDone={(user) => {
              closeDialog()
              if (user) openGrants(user.id)
            }}
          />
        )}
        {dialog?.kind === 'edit' && <EditUserForm user={dialog.user} onDone={closeDialog} />}
      </Modal>
    </Space>
  )
}

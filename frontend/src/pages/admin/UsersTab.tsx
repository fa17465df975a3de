// Users in the caller's scope: search, create, edit, lock and unlock; each
// user's grants (a role on a unit's subtree) given and revoked.
import { PlusOutlined, SafetyCertificateOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Button, Checkbox, Form, Input, Select, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth, type Role } from '../../auth/AuthContext'
import { EmptyState, ProblemAlert, QueryView } from '../../components/status'
import { UnitName } from '../../components/units'
import { ConfirmButton, FormDialog, SaveForm, UnitField, useFormSave, useRequired } from './forms'
import { ListTab, PagedTable, RowDrawer, SearchFilter, useListParams } from './lists'
import { useDelegableRoles, useGrantLabel, useRoleOptions, type GrantView } from './shared'
import { formatDateTime } from '../../format'

type User = Schemas['User']

const PAGE_SIZE = 20

/** The queries a change of a user makes stale. */
const USER_QUERIES = [['users'], ['user']]

interface ProfileValues {
  full_name: string
  email?: string
  phone?: string
  primary_unit_id: number
}

/** The profile as the API takes it, trimmed, an empty contact as `empty`:
 * left out when creating, `null` (removed) when editing. */
function profileBody<E extends null | undefined>(v: ProfileValues, empty: E) {
  return {
    full_name: v.full_name.trim(),
    email: v.email?.trim() || empty,
    phone: v.phone?.trim() || empty,
    primary_unit_id: v.primary_unit_id,
  }
}

/** The profile's fields: name, contacts, unit. */
function ProfileFields() {
  const { t } = useTranslation()
  const { text } = useRequired()
  return (
    <>
      <Form.Item name="full_name" label={t('admin.users.fullName')} rules={text}>
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
      <UnitField name="primary_unit_id" label={t('admin.users.unit')} />
    </>
  )
}

interface CreateValues extends ProfileValues {
  username: string
  password: string
  active: boolean
}

function CreateUserForm({ onDone }: { onDone: (user?: User) => void }) {
  const { t } = useTranslation()
  const { text } = useRequired()
  const { form, save } = useFormSave({
    mutationFn: async (v: CreateValues) =>
      unwrap(
        await api.POST('/api/v1/users', {
          body: { username: v.username.trim(), ...profileBody(v, undefined), password: v.password, active: v.active },
        }),
      ),
    invalidate: USER_QUERIES,
    success: t('admin.users.created'),
    onSaved: (user) => onDone(user),
  })
  return (
    <SaveForm form={form} save={save} name="create-user" initialValues={{ active: true }} autoComplete="off" onCancel={onDone}>
      <Form.Item name="username" label={t('admin.users.username')} extra={t('admin.users.usernameHint')} rules={text}>
        <Input autoComplete="off" placeholder="so.gtvt.canbo" />
      </Form.Item>
      <ProfileFields />
      <Form.Item name="password" label={t('admin.users.password')} extra={t('admin.users.passwordHint')} rules={text}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item name="active" valuePropName="checked">
        <Checkbox>{t('admin.users.activeFlag')}</Checkbox>
      </Form.Item>
    </SaveForm>
  )
}

interface EditValues extends ProfileValues {
  password?: string
}

function EditUserForm({ user, onDone }: { user: User; onDone: () => void }) {
  const { t } = useTranslation()
  const { form, save } = useFormSave({
    mutationFn: async (v: EditValues) =>
      unwrap(
        await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: user.id } },
          body: { ...profileBody(v, null), password: v.password || undefined },
        }),
      ),
    invalidate: USER_QUERIES,
    success: t('admin.saved'),
    onSaved: () => onDone(),
  })
  return (
    <SaveForm
      form={form}
      save={save}
      name="edit-user"
      initialValues={{
        full_name: user.full_name,
        email: user.email ?? undefined,
        phone: user.phone ?? undefined,
        primary_unit_id: user.primary_unit_id,
      }}
      autoComplete="off"
      onCancel={onDone}
    >
      <Form.Item label={t('admin.users.username')}>
        <Typography.Text code>{user.username}</Typography.Text>
      </Form.Item>
      <ProfileFields />
      <Form.Item name="password" label={t('admin.users.newPassword')} extra={t('admin.users.newPasswordHint')}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
    </SaveForm>
  )
}

/** Locks or unlocks an account, after a confirmation. */
function ActiveToggle({ user }: { user: User }) {
  const { t } = useTranslation()
  return (
    <ConfirmButton
      label={t(user.active ? 'admin.users.deactivate' : 'admin.users.activate')}
      confirm={t(user.active ? 'admin.users.deactivateConfirm' : 'admin.users.activateConfirm', { name: user.full_name })}
      danger={user.active}
      action={async () =>
        unwrap(
          await api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { active: !user.active } }),
        )
      }
      invalidate={USER_QUERIES}
      done={(after) => t(after.active ? 'admin.users.activated' : 'admin.users.deactivated')}
    />
  )
}

function RemoveGrant({ userId, grant }: { userId: number; grant: GrantView }) {
  const { t } = useTranslation()
  const label = useGrantLabel()
  return (
    <ConfirmButton
      label={t('admin.revoke')}
      confirm={t('admin.users.removeGrantConfirm', { role: label(grant), unit: grant.unit_name })}
      action={async () =>
        unwrap(
          await api.DELETE('/api/v1/users/{id}/grants/{grant_id}', {
            params: { path: { id: userId, grant_id: grant.id } },
          }),
        )
      }
      invalidate={[['user-grants', userId]]}
      done={t('admin.users.grantRemoved')}
    />
  )
}

interface GrantValues {
  role: Role
  unit_id: number
}

function GrantForm({ userId, defaultUnit }: { userId: number; defaultUnit: number }) {
  const { t } = useTranslation()
  const { choice } = useRequired()
  const roles = useRoleOptions(useDelegableRoles())
  const { form, save } = useFormSave({
    mutationFn: async (v: GrantValues) =>
      unwrap(
        await api.POST('/api/v1/users/{id}/grants', {
          params: { path: { id: userId } },
          body: { role: v.role, unit_id: v.unit_id },
        }),
      ),
    invalidate: [['user-grants', userId]],
    success: t('admin.users.granted'),
    onSaved: (_, form) => form.resetFields(['role']),
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
      <Form.Item name="role" label={t('admin.users.role')} rules={choice}>
        <Select options={roles} showSearch={{ optionFilterProp: 'label' }} />
      </Form.Item>
      <UnitField name="unit_id" label={t('admin.users.grantUnit')} extra={t('admin.users.grantUnitHint')} />
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
  const { set, q, page, selected, select: openGrants } = useListParams('user')
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'edit'; user: User } | null>(null)
  const query = { q: q || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }
  const closeDialog = () => setDialog(null)
  return (
    <ListTab
      filters={
        <>
          <SearchFilter
            value={q}
            label={t('admin.users.search')}
            placeholder={t('admin.users.searchPlaceholder')}
            onSearch={(v) => set({ q: v })}
          />
          {manage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'create' })}>
              {t('admin.users.create')}
            </Button>
          )}
        </>
      }
    >
      <PagedTable<User>
        queryKey={['users', query]}
        fetch={async () => unwrap(await api.GET('/api/v1/users', { params: { query } }))}
        page={page}
        pageSize={PAGE_SIZE}
        onPage={(p) => set({ page: p })}
        data-testid="users"
        scroll={{ x: 1350 }}
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
      <RowDrawer
        id={selected}
        onClose={() => openGrants(undefined)}
        size={640}
        title={selected !== undefined ? <GrantsTitle userId={selected} /> : t('admin.users.grants')}
      >
        {(id) => <Grants userId={id} manage={manage} />}
      </RowDrawer>
      <FormDialog
        open={dialog !== null}
        onClose={closeDialog}
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
      </FormDialog>
    </ListTab>
  )
}

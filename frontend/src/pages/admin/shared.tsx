// What the administration tabs share: roles and who may grant which, the
// search-parameter setter, the one-time secret display.
import { Alert, Space, Typography } from 'antd'
import { useSearchParams } from 'react-router'
import { useTranslation } from 'react-i18next'
import { type Schemas } from '../../api/client'
import { useAuth, type Role } from '../../auth/AuthContext'

export type UnitKind = Schemas['UnitKind']
export type GrantView = Schemas['GrantView']

export const UNIT_KINDS: UnitKind[] = ['province', 'district', 'commune', 'village', 'agency']

export const ROLES: Role[] = [
  'system_admin',
  'committee_leader',
  'office_leader',
  'office_specialist',
  'agency_leader',
  'agency_officer',
  'fund_manager',
  'ntm_coordinator',
  'department_appraiser',
  'commune_officer',
  'viewer',
]

/** The roles a holder of each role may grant (the API's `Role::delegable`). */
const DELEGABLE: Partial<Record<Role, Role[]>> = {
  system_admin: ROLES,
  office_leader: ['office_specialist', 'viewer'],
  agency_leader: ['agency_officer', 'viewer'],
}

/** The roles the caller may grant: only to hide what the API would refuse. */
export function useDelegableRoles(): Role[] {
  const { me } = useAuth()
  const roles = new Set((me?.grants ?? []).flatMap((g) => DELEGABLE[g.role] ?? []))
  return ROLES.filter((r) => roles.has(r))
}

/** Options of a role select, labelled in the UI language. */
export function useRoleOptions(roles: Role[]) {
  const { t } = useTranslation()
  return roles.map((r) => ({ value: r, label: t(`roles.${r}`) }))
}

/** A grant's role as people read it: the API's Vietnamese label, else the dictionary's. */
export function useGrantLabel() {
  const { t, i18n } = useTranslation()
  return (g: GrantView) => (i18n.language === 'en' || !g.role_label ? t(`roles.${g.role}`) : g.role_label)
}

/** A setter of one search parameter; any change but the page's goes back to page 1. */
export function useParam() {
  const [params, setParams] = useSearchParams()
  const set = (changes: Record<string, string | number | null | undefined>) =>
    setParams((current) => {
      const next = new URLSearchParams(current)
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined || value === null || value === '') next.delete(key)
        else next.set(key, String(value))
      }
      if (!('page' in changes)) next.delete('page')
      return next
    })
  return [params, set] as const
}

/** A positive integer of the address, else undefined. */
export function intParam(params: URLSearchParams, key: string): number | undefined {
  const v = Number(params.get(key))
  return params.get(key) && Number.isInteger(v) && v > 0 ? v : undefined
}

/** A secret the API shows once (a service account's key, a board token), with copy buttons. */
export function OneTimeSecret({ items }: { items: { label: string; value: string; hint?: string }[] }) {
  const { t } = useTranslation()
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="one-time-secret">
      <Alert type="warning" showIcon title={t('admin.tokens.secretOnce')} description={t('admin.tokens.secretOnceHint')} />
      {items.map((item) => (
        <div key={item.label}>
          <Typography.Text strong>{item.label}</Typography.Text>
          <Typography.Paragraph
            code
            copyable={{ text: item.value, tooltips: [t('admin.copy'), t('admin.copied')] }}
            style={{ wordBreak: 'break-all', marginBottom: 4 }}
          >
            {item.value}
          </Typography.Paragraph>
          {item.hint && <Typography.Text type="secondary">{item.hint}</Typography.Text>}
        </div>
      ))}
    </Space>
  )
}

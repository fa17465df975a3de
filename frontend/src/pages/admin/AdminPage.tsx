// Administration: units, users and their roles, service accounts and board
// tokens, the audit log; one tab each (the tab in the address as `?tab=`),
// only the tabs the caller's roles allow. The API still decides every request.
import { Tabs, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'
import { useAuth } from '../../auth/AuthContext'
import { Loading } from '../../components/status'
import { AuditTab } from './AuditTab'
import { TokensTab } from './TokensTab'
import { UnitsTab } from './UnitsTab'
import { UsersTab } from './UsersTab'

export type AdminTab = 'units' | 'users' | 'tokens' | 'audit'

/** The tabs the roles allow, in order (units: everyone may look them up). */
export function useAdminTabs(): AdminTab[] {
  const { hasRole } = useAuth()
  return [
    'units' as const,
    ...(hasRole('system_admin', 'committee_leader', 'office_leader', 'agency_leader') ? ['users' as const] : []),
    ...(hasRole('system_admin', 'office_leader') ? ['tokens' as const] : []),
    ...(hasRole('system_admin') ? ['audit' as const] : []),
  ]
}

const CONTENT: Record<AdminTab, () => React.ReactNode> = {
  units: () => <UnitsTab />,
  users: () => <UsersTab />,
  tokens: () => <TokensTab />,
  audit: () => <AuditTab />,
}

export function AdminPage() {
  const { t } = useTranslation()
  const { me } = useAuth()
  const [params, setParams] = useSearchParams()
  const tabs = useAdminTabs()
  if (!me) return <Loading />
  const wanted = params.get('tab') as AdminTab | null
  const active = wanted && tabs.includes(wanted) ? wanted : tabs[0]
  return (
    <section>
      <Typography.Title level={2}>{t('admin.title')}</Typography.Title>
      <Tabs
        activeKey={active}
        destroyOnHidden
        onChange={(key) => setParams(new URLSearchParams({ tab: key }))}
        items={tabs.map((key) => ({
          key,
          label: t(`admin.tabs.${key}`),
          children: key === active ? CONTENT[key]() : null,
        }))}
      />
    </section>
  )
}

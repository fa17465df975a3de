// The frame of every signed-in screen: the menu (only what the roles
// allow), the caller with their units and roles, language, sign-out.
import {
  AuditOutlined,
  BarChartOutlined,
  DashboardOutlined,
  FileExcelOutlined,
  FundOutlined,
  LogoutOutlined,
  ScheduleOutlined,
  SettingOutlined,
  TranslationOutlined,
} from '@ant-design/icons'
import { Button, Layout, Menu, Popover, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, Outlet, useLocation } from 'react-router'
import { useAuth } from '../auth/AuthContext'
import { setLanguage } from '../i18n'
import { NotificationBell } from './Notifications'

const { Header, Sider, Content } = Layout

export function AppLayout() {
  const { t, i18n } = useTranslation()
  const { me, signOut, hasRole } = useAuth()
  const location = useLocation()
  const items = [
    { key: '/', icon: <DashboardOutlined />, label: <Link to="/">{t('nav.dashboard')}</Link> },
    { key: '/tasks', icon: <ScheduleOutlined />, label: <Link to="/tasks">{t('nav.tasks')}</Link> },
    {
      key: '/task-stats',
      icon: <BarChartOutlined />,
      label: <Link to="/task-stats">{t('nav.taskStats')}</Link>,
    },
    ...(hasRole('system_admin', 'fund_manager', 'committee_leader', 'viewer', 'commune_officer')
      ? [{ key: '/funds', icon: <FundOutlined />, label: <Link to="/funds">{t('nav.funds')}</Link> }]
      : []),
    ...(hasRole('system_admin', 'ntm_coordinator', 'department_appraiser', 'commune_officer', 'committee_leader', 'viewer')
      ? [{ key: '/ntm', icon: <AuditOutlined />, label: <Link to="/ntm">{t('nav.ntm')}</Link> }]
      : []),
    ...(hasRole('system_admin', 'office_specialist', 'office_leader', 'fund_manager', 'ntm_coordinator')
      ? [
          {
            key: '/imports',
            icon: <FileExcelOutlined />,
            label: <Link to="/imports">{t('nav.imports')}</Link>,
          },
        ]
      : []),
    ...(hasRole('system_admin', 'committee_leader', 'office_leader', 'agency_leader')
      ? [{ key: '/admin', icon: <SettingOutlined />, label: <Link to="/admin">{t('nav.admin')}</Link> }]
      : []),
  ]
  const selected = items
    .map((i) => i.key)
    .filter((k) => (k === '/' ? location.pathname === '/' : location.pathname.startsWith(k)))
  const english = i18n.language === 'en'
  const grants = (
    <ul className="grant-list" aria-label={t('auth.roles')}>
      {me?.grants.map((g) => (
        <li key={g.id}>
          <Tag>{english ? t(`roles.${g.role}`) : g.role_label}</Tag> {g.unit_name}
        </li>
      ))}
    </ul>
  )
  return (
    <Layout className="app-shell">
      <Sider breakpoint="lg" collapsedWidth={56} width={220} theme="light">
        <div className="brand">
          <Link to="/">{t('app.name')}</Link>
        </div>
        <Menu mode="inline" selectedKeys={selected} items={items} />
      </Sider>
      <Layout>
        <Header className="app-header">
          <Space size="middle" wrap>
            <NotificationBell />
            <Popover content={grants} title={t('auth.roles')} trigger={['hover', 'click']}>
              <Button type="text" data-testid="current-user">
                {me?.full_name}
              </Button>
            </Popover>
            <Button
              icon={<TranslationOutlined />}
              onClick={() => setLanguage(english ? 'vi' : 'en')}
              lang={english ? 'vi' : 'en'}
            >
              {t('nav.language')}
            </Button>
            <Button icon={<LogoutOutlined />} onClick={() => void signOut()}>
              {t('nav.signOut')}
            </Button>
          </Space>
        </Header>
        <Content className="app-content">
          <Outlet />
        </Content>
        <Typography.Text type="secondary" className="app-footer">
          {t('app.subtitle')}
        </Typography.Text>
      </Layout>
    </Layout>
  )
}

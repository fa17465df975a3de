import { Button, Card, Form, Input, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../api/client'
import { useAuth } from '../auth/AuthContext'
import { ProblemAlert } from '../components/status'

export function LoginPage() {
  const { t } = useTranslation()
  const { signIn } = useAuth()
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  async function submit(values: { username: string; password: string }) {
    setBusy(true)
    setError(null)
    try {
      await signIn(values.username.trim(), values.password)
    } catch (e) {
      if (e instanceof ApiError && e.problem.status === 401) {
        setError(new ApiError({ ...e.problem, detail: t('auth.failed') }))
      } else if (e instanceof ApiError && e.problem.status === 429) {
        setError(new ApiError({ ...e.problem, detail: t('auth.throttled') }))
      } else setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="login-page">
      <Card className="login-card">
        <Typography.Title level={1}>{t('app.name')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('app.subtitle')}</Typography.Paragraph>
        <Typography.Title level={2}>{t('auth.title')}</Typography.Title>
        <ProblemAlert error={error} />
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            label={t('auth.username')}
            name="username"
            rules={[{ required: true, message: t('auth.required') }]}
          >
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            label={t('auth.password')}
            name="password"
            rules={[{ required: true, message: t('auth.required') }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} block>
            {t('auth.submit')}
          </Button>
        </Form>
      </Card>
    </main>
  )
}

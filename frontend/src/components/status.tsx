// Loading, error and empty states every list and page shows the same way,
// and the problem documents the API answers with.
import { Alert, Button, Empty, Result, Spin, type FormInstance } from 'antd'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../api/client'

export function Loading() {
  const { t } = useTranslation()
  return (
    <div className="state-box" role="status">
      <Spin description={t('common.loading')}>
        <div style={{ minHeight: 48 }} />
      </Spin>
    </div>
  )
}

/** The API's message for an error (its problem detail), else a generic one. */
export function errorMessage(error: unknown, fallback: string): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title || fallback
  return fallback
}

export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation()
  const status = error instanceof ApiError ? error.problem.status : undefined
  return (
    <Result
      status={status === 403 ? '403' : status === 404 ? '404' : 'error'}
      title={status === 404 ? t('common.notFound') : status === 403 ? t('common.forbidden') : t('common.error')}
      subTitle={errorMessage(error, '')}
      extra={retry ? <Button onClick={retry}>{t('common.retry')}</Button> : undefined}
    />
  )
}

export function EmptyState({ description }: { description?: ReactNode }) {
  const { t } = useTranslation()
  return <Empty description={description ?? t('common.empty')} />
}

/**
 * The state of a query: a spinner while loading, the error with a retry,
 * else the content.
 */
export function QueryView<T>({
  query,
  children,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown }
  children: (data: T) => ReactNode
}) {
  if (query.isPending) return <Loading />
  if (query.error || query.data === undefined)
    return <LoadError error={query.error} retry={() => void query.refetch()} />
  return <>{children(query.data)}</>
}

/** An API error shown above a form, its per-field errors set on the fields. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null
  const message = errorMessage(error, 'Error')
  const fields = error instanceof ApiError ? (error.problem.errors ?? []) : []
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={message}
      description={
        fields.length ? (
          <ul className="field-errors">
            {fields.map((f) => (
              <li key={f.field + f.code}>
                <code>{f.field}</code>: {f.message}
              </li>
            ))}
          </ul>
        ) : undefined
      }
    />
  )
}

/**
 * Puts the problem's per-field messages on the form's fields: top-level
 * names, and nested paths such as `new_unit.name` or `tasks[1].content`.
 */
export function setFieldErrors(form: FormInstance, error: unknown) {
  if (!(error instanceof ApiError)) return
  const byPath = new Map<string, string[]>()
  for (const e of error.problem.errors ?? []) {
    byPath.set(e.field, [...(byPath.get(e.field) ?? []), e.message])
  }
  const name = (path: string) =>
    path
      .split(/[.[\]]/)
      .filter(Boolean)
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
  form.setFields([...byPath].map(([path, errors]) => ({ name: name(path), errors })))
}

// What the administration forms share: the save that puts the API's per-field
// errors on the fields, the form around it with its buttons, the dialog it
// opens in, the required rules, a unit field, and a button that asks first.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { App, Button, Form, Modal, Popconfirm, Space, type FormInstance, type FormProps } from 'antd'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { ProblemAlert, setFieldErrors } from '../../components/status'
import { UnitPicker } from '../../components/units'

/** The rules of a field that must be filled: `choice`, picked; `text`, typed (not only spaces). */
export function useRequired() {
  const { t } = useTranslation()
  const message = t('admin.required')
  return {
    choice: [{ required: true, message }],
    text: [{ required: true, whitespace: true, message }],
  }
}

/** Refreshes the queries under those keys, without waiting for them. */
function useInvalidate() {
  const queryClient = useQueryClient()
  return (keys: QueryKey[]) => {
    for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey })
  }
}

/** A success message, fixed or read from what the API answered. */
type Said<R> = string | ((result: R) => string)

function say<R>(said: Said<R>, result: R): string {
  return typeof said === 'function' ? said(result) : said
}

/**
 * A form and its save: the API's per-field errors go on the fields; once
 * saved, the queries under `invalidate` are refreshed, `success` is said and
 * `onSaved` is called.
 */
export function useFormSave<V, R>({
  mutationFn,
  invalidate = [],
  success,
  onSaved,
}: {
  mutationFn: (values: V) => Promise<R>
  invalidate?: QueryKey[]
  success?: Said<R>
  onSaved?: (result: R, form: FormInstance<V>) => void
}) {
  const { message } = App.useApp()
  const refresh = useInvalidate()
  const [form] = Form.useForm<V>()
  const save = useMutation({
    mutationFn,
    onSuccess: (result) => {
      refresh(invalidate)
      if (success) void message.success(say(success, result))
      onSaved?.(result, form)
    },
    onError: (error) => setFieldErrors(form, error),
  })
  return { form, save }
}

/**
 * A vertical form that saves with `save`: `intro` and the API's problem
 * above the fields, the save (`submit`) and cancel buttons below.
 */
export function SaveForm<V>({
  form,
  save,
  name,
  initialValues,
  autoComplete,
  intro,
  submit,
  danger,
  onCancel,
  children,
}: {
  form: FormInstance<V>
  save: { mutate: (values: V) => void; error: unknown; isPending: boolean }
  name: string
  initialValues?: FormProps<V>['initialValues']
  autoComplete?: string
  intro?: ReactNode
  submit?: string
  danger?: boolean
  onCancel: () => void
  children: ReactNode
}) {
  const { t } = useTranslation()
  return (
    <Form<V>
      form={form}
      name={name}
      layout="vertical"
      initialValues={initialValues}
      onFinish={(v) => save.mutate(v)}
      autoComplete={autoComplete}
    >
      {intro}
      <ProblemAlert error={save.error} />
      {children}
      <Space>
        <Button danger={danger} type="primary" htmlType="submit" loading={save.isPending}>
          {submit ?? t('common.save')}
        </Button>
        <Button onClick={() => onCancel()}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  )
}

/** The dialog a form opens in: no footer (the form has its buttons), emptied when closed. */
export function FormDialog({
  open,
  onClose,
  width,
  title,
  children,
}: {
  open: boolean
  onClose: () => void
  width: number
  title: ReactNode
  children: ReactNode
}) {
  return (
    <Modal open={open} onCancel={onClose} footer={null} destroyOnHidden width={width} title={title}>
      {children}
    </Modal>
  )
}

/** A unit that must be picked, the picker as wide as the form. */
export function UnitField({ name, label, extra }: { name: string; label: string; extra?: ReactNode }) {
  const { choice } = useRequired()
  return (
    <Form.Item name={name} label={label} extra={extra} rules={choice}>
      <UnitPicker ariaLabel={label} style={{ width: '100%' }} />
    </Form.Item>
  )
}

/**
 * A small button that asks `confirm` first, then runs `action`: once done,
 * the queries under `invalidate` are refreshed and `done` is said; else the error.
 */
export function ConfirmButton<R>({
  label,
  confirm,
  danger = true,
  action,
  invalidate = [],
  done,
}: {
  label: string
  confirm: string
  danger?: boolean
  action: () => Promise<R>
  invalidate?: QueryKey[]
  done: Said<R>
}) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const refresh = useInvalidate()
  const run = useMutation({
    mutationFn: action,
    onSuccess: (result) => {
      refresh(invalidate)
      void message.success(say(done, result))
    },
    onError: (error) => void message.error(error.message || t('common.error')),
  })
  return (
    <Popconfirm
      title={confirm}
      okText={label}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger }}
      onConfirm={() => run.mutateAsync().catch(() => undefined)}
    >
      <Button size="small" danger={danger} loading={run.isPending}>
        {label}
      </Button>
    </Popconfirm>
  )
}

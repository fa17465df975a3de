// Recording a directive and assigning its tasks: the document (issuer,
// kind, number, date, summary, the signed file) and one line per task
// (content, lead agency, coordinating agencies, deadline or standing,
// priority). The Office and its committee are taken from the caller's
// grant; the API checks everything again.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, DatePicker, Form, Input, Select, Space, Typography } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { FileUpload } from '../../components/FileUpload'
import { ProblemAlert, setFieldErrors } from '../../components/status'
import { UnitPicker, useUnit } from '../../components/units'

type Body = Schemas['NewDirectiveBody']
const KINDS: Schemas['DirectiveKind'][] = [
  'decision',
  'directive',
  'official_letter',
  'conclusion_notice',
  'meeting_conclusion',
  'other',
]
const ISSUERS: Schemas['Issuer'][] = ['committee', 'chair', 'vice_chair']
const PRIORITIES: Schemas['Priority'][] = ['low', 'normal', 'high', 'urgent']

interface TaskValues {
  content: string
  lead_unit_id: number
  coordinating_unit_ids?: number[]
  deadline?: Dayjs | null
  priority: Schemas['Priority']
}

interface Values {
  issuing_unit_id: number
  office_unit_id: number
  issuer: Schemas['Issuer']
  issuer_name?: string
  kind: Schemas['DirectiveKind']
  number: string
  issued_on: Dayjs
  summary: string
  tasks: TaskValues[]
}

/**
 * The form's values as the API takes them; the tasks followed up by
 * `specialist` (the office specialist recording them).
 */
export function bodyOf(values: Values, attachments: number[], specialist?: number): Body {
  return {
    ...values,
    issuer_name: values.issuer_name?.trim() || undefined,
    number: values.number.trim(),
    summary: values.summary.trim(),
    issued_on: values.issued_on.format('YYYY-MM-DD'),
    tasks: values.tasks.map((t) => ({
      ...t,
      content: t.content.trim(),
      deadline: t.deadline ? t.deadline.format('YYYY-MM-DD') : null,
      specialist_id: specialist,
    })),
    attachment_ids: attachments.length ? attachments : undefined,
  }
}

export function NewDirectivePage() {
  const { t } = useTranslation()
  const { me } = useAuth()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const { message } = App.useApp()
  const [form] = Form.useForm<Values>()
  const [files, setFiles] = useState<number[]>([])
  const office = me?.grants.find((g) => g.role === 'office_specialist' || g.role === 'office_leader')
  const specialist = office?.role === 'office_specialist' ? me?.id : undefined
  const officeUnit = useUnit(office?.unit_id)
  const create = useMutation({
    mutationFn: async (values: Values) =>
      unwrap(await api.POST('/api/v1/directives', { body: bodyOf(values, files, specialist) })),
    onSuccess: (directive) => {
      void queryClient.invalidateQueries({ queryKey: ['tasks'] })
      void message.success(t('directive.created'))
      void navigate(`/tasks?directive_id=${directive.id}`)
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const required = [{ required: true, message: t('auth.required') }]
  if (office && officeUnit.isPending) return null
  return (
    <section>
      <Typography.Title level={2}>{t('directive.new')}</Typography.Title>
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={(v) => create.mutate(v)}
        initialValues={{
          office_unit_id: office?.unit_id,
          issuing_unit_id: officeUnit.data?.parent_id ?? undefined,
          issuer: 'committee',
          kind: 'official_letter',
          issued_on: dayjs(),
          tasks: [{ priority: 'normal' }],
        }}
      >
        <Card title={t('directive.document')}>
          <Space wrap align="start">
            <Form.Item name="issuing_unit_id" label={t('directive.issuingUnit')} rules={required}>
              <UnitPicker kind="province" ariaLabel={t('directive.issuingUnit')} />
            </Form.Item>
            <Form.Item name="office_unit_id" label={t('directive.office')} rules={required}>
              <UnitPicker kind="agency" ariaLabel={t('directive.office')} />
            </Form.Item>
            <Form.Item name="issuer" label={t('directive.issuer')} rules={required}>
              <Select options={ISSUERS.map((i) => ({ value: i, label: t(`directive.issuers.${i}`) }))} style={{ width: 200 }} />
            </Form.Item>
            <Form.Item name="issuer_name" label={t('directive.issuerName')}>
              <Input style={{ width: 240 }} />
            </Form.Item>
          </Space>
          <Space wrap align="start">
            <Form.Item name="kind" label={t('directive.kind')} rules={required}>
              <Select options={KINDS.map((k) => ({ value: k, label: t(`directive.kinds.${k}`) }))} style={{ width: 240 }} />
            </Form.Item>
            <Form.Item name="number" label={t('directive.number')} rules={required}>
              <Input placeholder="3784/TB-UBND" style={{ width: 200 }} />
            </Form.Item>
            <Form.Item name="issued_on" label={t('directive.issuedOn')} rules={required}>
              <DatePicker format="DD/MM/YYYY" />
            </Form.Item>
          </Space>
          <Form.Item name="summary" label={t('directive.summary')} rules={required}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.Item label={t('directive.files')}>
            <FileUpload onChange={setFiles} />
          </Form.Item>
        </Card>
        <Form.List name="tasks">
          {(fields, { add, remove }) => (
            <Card
              title={t('directive.tasks')}
              style={{ marginTop: 16 }}
              extra={
                <Button icon={<PlusOutlined />} onClick={() => add({ priority: 'normal' })}>
                  {t('directive.addTask')}
                </Button>
              }
            >
              {fields.map((field, n) => (
                <Card
                  key={field.key}
                  type="inner"
                  size="small"
                  title={`${t('directive.task')} ${n + 1}`}
                  style={{ marginBottom: 12 }}
                  extra={
                    fields.length > 1 && (
                      <Button
                        icon={<DeleteOutlined />}
                        aria-label={t('directive.removeTask')}
                        onClick={() => remove(field.name)}
                      />
                    )
                  }
                >
                  <Form.Item name={[field.name, 'content']} label={t('tasks.content')} rules={required}>
                    <Input.TextArea rows={2} />
                  </Form.Item>
                  <Space wrap align="start">
                    <Form.Item name={[field.name, 'lead_unit_id']} label={t('tasks.lead')} rules={required}>
                      <UnitPicker kind="agency" ariaLabel={`${t('tasks.lead')} ${n + 1}`} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'coordinating_unit_ids']} label={t('tasks.coordinating')}>
                      <UnitPicker multiple kind="agency" ariaLabel={`${t('tasks.coordinating')} ${n + 1}`} style={{ minWidth: 300 }} />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'deadline']}
                      label={t('tasks.deadline')}
                      tooltip={t('directive.standingHint')}
                    >
                      <DatePicker format="DD/MM/YYYY" aria-label={`${t('tasks.deadline')} ${n + 1}`} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'priority']} label={t('directive.priority')}>
                      <Select
                        options={PRIORITIES.map((p) => ({ value: p, label: t(`directive.priorities.${p}`) }))}
                        style={{ width: 140 }}
                      />
                    </Form.Item>
                  </Space>
                </Card>
              ))}
            </Card>
          )}
        </Form.List>
        <Space orientation="vertical" style={{ marginTop: 16, width: '100%' }}>
          <ProblemAlert error={create.error} />
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('directive.submit')}
          </Button>
        </Space>
      </Form>
    </section>
  )
}

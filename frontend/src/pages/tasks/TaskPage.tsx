// One task: what was assigned, the timeline of everything done on it, the
// files, and the workflow actions the caller may take now (the API lists
// them in `available_actions`).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  App,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Progress,
  Radio,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { api, ApiError, unwrap, type Schemas } from '../../api/client'
import { AttachmentLink, FileUpload } from '../../components/FileUpload'
import { ProblemAlert, QueryView, setFieldErrors } from '../../components/status'
import { TimelinessTag } from '../../components/TimelinessTag'
import { UnitName } from '../../components/units'
import { formatDate, formatDateTime } from '../../format'

type TaskDetail = Schemas['TaskDetail']
type ActionKind = Schemas['TaskActionKind']
type ActionBody = Schemas['TaskActionBody']

type Field = 'percent' | 'note' | 'new_deadline' | 'reason' | 'approve' | 'accept' | 'result' | 'explanation'

/** The fields each action asks for; the ones listed first are required. */
export const ACTION_FIELDS: Record<ActionKind, { required: Field[]; optional: Field[] }> = {
  accept: { required: [], optional: [] },
  report_progress: { required: ['percent'], optional: ['note'] },
  report_difficulty: { required: ['note'], optional: [] },
  remind: { required: ['note'], optional: [] },
  comment: { required: ['note'], optional: [] },
  request_extension: { required: ['new_deadline', 'reason'], optional: [] },
  decide_extension: { required: ['approve'], optional: ['reason'] },
  propose_completion: { required: ['result'], optional: ['explanation'] },
  review: { required: ['accept'], optional: ['reason'] },
  confirm: { required: [], optional: [] },
  return: { required: ['reason'], optional: [] },
  propose_decline: { required: ['reason'], optional: [] },
  decide_decline: { required: ['accept'], optional: ['reason'] },
  cancel: { required: ['reason'], optional: [] },
  reopen: { required: ['reason'], optional: [] },
}

/** Actions that post files with them. */
const WITH_FILES: ActionKind[] = ['report_progress', 'report_difficulty', 'comment', 'propose_completion']

function ActionForm({
  task,
  action,
  onDone,
}: {
  task: TaskDetail
  action: ActionKind
  onDone: () => void
}) {
  const { t } = useTranslation()
  const [form] = Form.useForm()
  const [files, setFiles] = useState<number[]>([])
  const queryClient = useQueryClient()
  const { message } = App.useApp()
  const submit = useMutation({
    mutationFn: async (values: Record<string, unknown>) => {
      const due = values.new_deadline as Dayjs | undefined
      const body = {
        ...values,
        new_deadline: due ? due.format('YYYY-MM-DD') : undefined,
        action,
        attachment_ids: files.length ? files : undefined,
      } as ActionBody
      return unwrap(
        await api.POST('/api/v1/tasks/{id}/actions', { params: { path: { id: task.id } }, body }),
      )
    },
    onSuccess: (next) => {
      queryClient.setQueryData(['task', task.id], next)
      void queryClient.invalidateQueries({ queryKey: ['tasks'] })
      void message.success(t('tasks.done'))
      onDone()
    },
    onError: (error) => {
      setFieldErrors(form, error)
      if (error instanceof ApiError && error.problem.status === 409) {
        void queryClient.invalidateQueries({ queryKey: ['task', task.id] })
      }
    },
  })
  const spec = ACTION_FIELDS[action]
  const fields = [...spec.required, ...spec.optional]
  const rule = (f: Field) =>
    spec.required.includes(f) ? [{ required: true, message: t('auth.required') }] : []
  const label: Record<Field, string> = {
    percent: t('tasks.percent'),
    note: t('tasks.note'),
    new_deadline: t('tasks.newDeadline'),
    reason: t('tasks.reason'),
    approve: t('tasks.approved'),
    accept: t('tasks.approved'),
    result: t('tasks.result'),
    explanation: t('tasks.explanation'),
  }
  return (
    <Form
      form={form}
      layout="vertical"
      onFinish={(v) => submit.mutate(v)}
      initialValues={{ percent: task.progress_percent, approve: true, accept: true }}
    >
      <ProblemAlert error={submit.error} />
      {fields.map((f) => (
        <Form.Item key={f} name={f} label={label[f]} rules={rule(f)}>
          {f === 'percent' ? (
            <InputNumber min={0} max={100} addonAfter="%" />
          ) : f === 'new_deadline' ? (
            <DatePicker format="DD/MM/YYYY" />
          ) : f === 'approve' || f === 'accept' ? (
            <Radio.Group
              options={[
                { value: true, label: t('common.yes') },
                { value: false, label: t('common.no') },
              ]}
            />
          ) : (
            <Input.TextArea rows={3} />
          )}
        </Form.Item>
      ))}
      {WITH_FILES.includes(action) && (
        <Form.Item label={t('tasks.files')}>
          <FileUpload onChange={setFiles} />
        </Form.Item>
      )}
      <Space>
        <Button type="primary" htmlType="submit" loading={submit.isPending}>
          {t(`action.${action}`)}
        </Button>
        <Button onClick={onDone}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  )
}

function TaskView({ task }: { task: TaskDetail }) {
  const { t } = useTranslation()
  const [action, setAction] = useState<ActionKind | null>(null)
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Link to="/tasks">← {t('common.back')}</Link>
      <Typography.Title level={2}>{task.content}</Typography.Title>
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('tasks.lead')}>
          <UnitName id={task.lead_unit_id} />
        </Descriptions.Item>
        <Descriptions.Item label={t('tasks.coordinating')}>
          <Space wrap>
            {task.coordinating_unit_ids.map((id) => (
              <Tag key={id}>
                <UnitName id={id} />
              </Tag>
            ))}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('tasks.deadline')}>
          {task.deadline ? formatDate(task.deadline) : t('tasks.standing')}
          {task.original_deadline && task.original_deadline !== task.deadline && (
            <Typography.Text type="secondary">
              {' '}
              ({t('tasks.originalDeadline')}: {formatDate(task.original_deadline)})
            </Typography.Text>
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('tasks.state')}>
          <span data-testid="task-state">{t(`state.${task.state}`)}</span>{' '}
          <TimelinessTag timeliness={task.timeliness} colour={task.colour} />
        </Descriptions.Item>
        <Descriptions.Item label={t('tasks.progress')}>
          <Progress percent={task.progress_percent} size="small" />
        </Descriptions.Item>
        {task.completed_on && (
          <Descriptions.Item label={t('tasks.completedOn')}>{formatDate(task.completed_on)}</Descriptions.Item>
        )}
        {task.attachments.length > 0 && (
          <Descriptions.Item label={t('tasks.attachments')}>
            <Space orientation="vertical">
              {task.attachments.map((a) => (
                <AttachmentLink key={a.id} attachment={a} />
              ))}
            </Space>
          </Descriptions.Item>
        )}
      </Descriptions>

      <Card title={t('tasks.actions')}>
        {task.available_actions.length === 0 ? (
          <Typography.Text type="secondary">{t('tasks.noActions')}</Typography.Text>
        ) : (
          <Space wrap>
            {task.available_actions.map((a) => (
              <Button key={a} onClick={() => setAction(a)}>
                {t(`action.${a}`)}
              </Button>
            ))}
          </Space>
        )}
      </Card>
      <Modal
        open={action !== null}
        title={action ? t(`action.${action}`) : ''}
        footer={null}
        onCancel={() => setAction(null)}
        destroyOnHidden
      >
        {action && <ActionForm task={task} action={action} onDone={() => setAction(null)} />}
      </Modal>

      {task.children.length > 0 && (
        <Card title={t('tasks.children')}>
          <ul>
            {task.children.map((c) => (
              <li key={c.id}>
                <Link to={`/tasks/${c.id}`}>{c.content}</Link> — <UnitName id={c.lead_unit_id} />:{' '}
                {t(`state.${c.state}`)}
              </li>
            ))}
          </ul>
        </Card>
      )}

      <Card title={t('tasks.timeline')}>
        <Timeline
          data-testid="timeline"
          items={task.timeline.map((e) => ({
            key: e.id,
            color: e.late ? 'red' : e.kind === 'confirm' ? 'green' : 'blue',
            content: (
              <div>
                <Typography.Text strong>{t(`action.${e.kind}`)}</Typography.Text>{' '}
                <Typography.Text type="secondary">
                  {e.actor_name} · {formatDateTime(e.at)}
                </Typography.Text>
                {e.percent !== null && e.percent !== undefined && <div>{e.percent}%</div>}
                {e.requested_deadline && (
                  <div>
                    {t('tasks.newDeadline')}: {formatDate(e.requested_deadline)}
                  </div>
                )}
                {e.approved !== null && e.approved !== undefined && (
                  <div>{e.approved ? t('common.yes') : t('common.no')}</div>
                )}
                {e.note && <Typography.Paragraph>{e.note}</Typography.Paragraph>}
                {e.late && <Tag color="error">{t('tasks.late')}</Tag>}
                {e.attachments.map((a) => (
                  <div key={a.id}>
                    <AttachmentLink attachment={a} />
                  </div>
                ))}
              </div>
            ),
          }))}
        />
      </Card>
    </Space>
  )
}

export function TaskPage() {
  const id = Number(useParams().id)
  const task = useQuery({
    queryKey: ['task', id],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/tasks/{id}', { params: { path: { id } } })),
  })
  return <QueryView query={task}>{(data) => <TaskView task={data} />}</QueryView>
}

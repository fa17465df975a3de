// Programme setup: the programmes with their phases and components (a
// component may nest under another), the fund sources; defining a
// programme as data (nothing about any programme is built in).
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Form, Input, InputNumber, List, Space, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api, unwrap, type Schemas } from '../../api/client'
import { useAuth } from '../../auth/AuthContext'
import { EmptyState, ProblemAlert, QueryView, setFieldErrors } from '../../components/status'

type Programme = Schemas['Programme']
type Body = Schemas['NewProgrammeBody']

function NewProgramme() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<Body>()
  const create = useMutation({
    mutationFn: async (body: Body) => unwrap(await api.POST('/api/v1/programmes', { body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['programmes'] })
      void message.success(t('programmes.created'))
      form.resetFields()
    },
    onError: (error) => setFieldErrors(form, error),
  })
  const required = [{ required: true, message: t('auth.required') }]
  return (
    <Card title={t('programmes.new')}>
      <Form<Body>
        form={form}
        layout="vertical"
        onFinish={(v) => create.mutate(v)}
        initialValues={{ phases: [], components: [] }}
      >
        <ProblemAlert error={create.error} />
        <Space wrap align="start">
          <Form.Item name="code" label={t('ntmSetup.code')} rules={required}>
            <Input placeholder="MTQG-2026" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="name" label={t('ntmSetup.name')} rules={required}>
            <Input style={{ width: 420 }} />
          </Form.Item>
        </Space>
        <Form.Item name="legal_basis" label={t('ntmSetup.legalBasis')}>
          <Input />
        </Form.Item>
        <Typography.Title level={5}>{t('programmes.phases')}</Typography.Title>
        <Form.List name="phases">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'name']} label={t('ntmSetup.name')} rules={required}>
                    <Input placeholder="Giai đoạn I" />
                  </Form.Item>
                  <Form.Item name={[f.name, 'start_year']} label={t('ntmSetup.yearFrom')} rules={required}>
                    <InputNumber min={2000} max={2100} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'end_year']} label={t('ntmSetup.yearTo')} rules={required}>
                    <InputNumber min={2000} max={2100} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'decision']} label={t('programmes.decision')}>
                    <Input />
                  </Form.Item>
                  <Button icon={<DeleteOutlined />} aria-label={t('programmes.remove')} onClick={() => remove(f.name)} style={{ marginTop: 30 }} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add()}>
                {t('programmes.addPhase')}
              </Button>
            </>
          )}
        </Form.List>
        <Typography.Title level={5}>{t('programmes.components')}</Typography.Title>
        <Form.List name="components">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'code']} label={t('ntmSetup.code')} rules={required}>
                    <Input placeholder="CSHT" style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'name']} label={t('ntmSetup.name')} rules={required}>
                    <Input style={{ width: 360 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'parent_code']} label={t('programmes.parent')}>
                    <Input style={{ width: 120 }} />
                  </Form.Item>
                  <Button icon={<DeleteOutlined />} aria-label={t('programmes.remove')} onClick={() => remove(f.name)} style={{ marginTop: 30 }} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add()}>
                {t('programmes.addComponent')}
              </Button>
            </>
          )}
        </Form.List>
        <div style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={create.isPending}>
            {t('programmes.create')}
          </Button>
        </div>
      </Form>
    </Card>
  )
}

export function ProgrammesPage() {
  const { t } = useTranslation()
  const { hasRole } = useAuth()
  const programmes = useQuery({
    queryKey: ['programmes'],
    queryFn: async () => unwrap(await api.GET('/api/v1/programmes')),
  })
  const sources = useQuery({
    queryKey: ['fund-sources'],
    queryFn: async () => unwrap(await api.GET('/api/v1/fund-sources')),
  })
  return (
    <section>
      <Link to="/funds">← {t('common.back')}</Link>
      <Typography.Title level={2}>{t('programmes.title')}</Typography.Title>
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <QueryView query={programmes}>
          {(list) =>
            list.length === 0 ? (
              <EmptyState />
            ) : (
              <>
                {list.map((p: Programme) => (
                  <Card key={p.id} title={`${p.code} — ${p.name}`} data-testid="programme">
                    <Typography.Paragraph type="secondary">{p.legal_basis}</Typography.Paragraph>
                    <Space align="start" wrap size="large">
                      <List
                        header={t('programmes.phases')}
                        dataSource={p.phases}
                        renderItem={(ph) => (
                          <List.Item>
                            {ph.name}: {ph.start_year}–{ph.end_year}
                          </List.Item>
                        )}
                        locale={{ emptyText: '—' }}
                      />
                      <Table
                        rowKey="id"
                        size="small"
                        pagination={false}
                        dataSource={p.components}
                        columns={[
                          { title: t('ntmSetup.code'), dataIndex: 'code' },
                          {
                            title: t('funds.component'),
                            dataIndex: 'name',
                            render: (name: string, c) => (c.parent_id ? <span style={{ paddingLeft: 16 }}>↳ {name}</span> : name),
                          },
                        ]}
                      />
                    </Space>
                  </Card>
                ))}
              </>
            )
          }
        </QueryView>
        <Card title={t('funds.source')}>
          <QueryView query={sources}>
            {(list) => (
              <List dataSource={list} renderItem={(s) => <List.Item>{s.code} — {s.name}</List.Item>} />
            )}
          </QueryView>
        </Card>
        {hasRole('fund_manager', 'system_admin') && <NewProgramme />}
      </Space>
    </section>
  )
}

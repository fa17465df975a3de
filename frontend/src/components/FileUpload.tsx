// Files posted with a form: each uploaded to POST /attachments as chosen,
// the form keeps their ids.
import { UploadOutlined } from '@ant-design/icons'
import { Button, Upload, type UploadFile } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { download, postForm, type Schemas } from '../api/client'

type Attachment = Schemas['Attachment']

export async function uploadFile(file: File): Promise<Attachment> {
  const body = new FormData()
  body.append('file', file, file.name)
  return postForm<Attachment>('/api/v1/attachments', body)
}

export function FileUpload({ onChange }: { onChange?: (ids: number[]) => void }) {
  const { t } = useTranslation()
  const [files, setFiles] = useState<UploadFile<Attachment>[]>([])
  const publish = (next: UploadFile<Attachment>[]) => {
    setFiles(next)
    onChange?.(next.flatMap((f) => (f.status === 'done' && f.response ? [f.response.id] : [])))
  }
  return (
    <Upload<Attachment>
      multiple
      fileList={files}
      onChange={({ fileList }) => publish(fileList)}
      customRequest={({ file, onSuccess, onError }) => {
        uploadFile(file as File)
          .then((a) => onSuccess?.(a))
          .catch((e: unknown) => onError?.(e instanceof Error ? e : new Error(String(e))))
      }}
    >
      <Button icon={<UploadOutlined />}>{t('tasks.upload')}</Button>
    </Upload>
  )
}

/** A link that downloads an attachment with the session. */
export function AttachmentLink({ attachment }: { attachment: Attachment }) {
  return (
    <a
      href={attachment.download_url}
      onClick={(e) => {
        e.preventDefault()
        void download(attachment.download_url, attachment.file_name)
      }}
    >
      {attachment.file_name}
    </a>
  )
}

// What the administration lists share: the filters above a list, a page of
// rows from the API with its pages in the address, the drawer of a row.
import { useQuery, type QueryKey } from '@tanstack/react-query'
import { Drawer, Input, Select, Space, Table, type SelectProps, type TableProps } from 'antd'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { EmptyState, QueryView } from '../../components/status'
import { intParam, useParam } from './shared'

/** The address of a list: its search text, its page, the row opened (under `key`). */
export function useListParams(key: string) {
  const [params, set] = useParam()
  const q = params.get('q') ?? ''
  const page = intParam(params, 'page') ?? 1
  const selected = intParam(params, key)
  /** Opens a row (none: closes it), on the same page. */
  const select = (id: number | undefined) => set({ [key]: id, page: params.get('page') })
  return { params, set, q, page, selected, select }
}

/** A list tab: the filters in a row, the list below, then what it opens. */
export function ListTab({ filters, children }: { filters: ReactNode; children: ReactNode }) {
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap className="filters">
        {filters}
      </Space>
      {children}
    </Space>
  )
}

/** A search box filter: the trimmed text on Enter. */
export function SearchFilter({
  value,
  label,
  placeholder = label,
  width = 300,
  onSearch,
}: {
  value?: string
  label: string
  placeholder?: string
  width?: number
  onSearch: (text: string) => void
}) {
  return (
    <Input.Search
      allowClear
      defaultValue={value}
      placeholder={placeholder}
      aria-label={label}
      onSearch={(v) => onSearch(v.trim())}
      style={{ width }}
    />
  )
}

/** A select filter that may be cleared, its label as placeholder. */
export function FilterSelect<V>({
  label,
  width,
  ...props
}: { label: string; width: number } & Omit<SelectProps<V>, 'placeholder' | 'style'>) {
  return <Select<V> allowClear placeholder={label} aria-label={label} style={{ width }} {...props} />
}

/**
 * A page of a list the API answers (`items` and `total`), the previous page
 * shown while the next loads; the page changed with `onPage` (none: the first).
 */
export function PagedTable<T extends object>({
  queryKey,
  fetch,
  page,
  pageSize,
  onPage,
  ...table
}: {
  queryKey: QueryKey
  fetch: () => Promise<{ items: T[]; total: number }>
  page: number
  pageSize: number
  onPage: (page: number | undefined) => void
} & Omit<TableProps<T>, 'dataSource' | 'loading' | 'pagination'>) {
  const { t } = useTranslation()
  const list = useQuery({ queryKey, queryFn: fetch, placeholderData: (previous) => previous })
  return (
    <QueryView query={list}>
      {(data) => (
        <Table<T>
          rowKey="id"
          loading={list.isFetching}
          dataSource={data.items}
          locale={{ emptyText: <EmptyState /> }}
          pagination={{
            current: page,
            pageSize,
            total: data.total,
            showSizeChanger: false,
            showTotal: (count) => t('common.total', { count }),
            onChange: (p) => onPage(p === 1 ? undefined : p),
          }}
          {...table}
        />
      )}
    </QueryView>
  )
}

/** The drawer of the row opened (`id`), its content only while open. */
export function RowDrawer({
  id,
  onClose,
  size,
  title,
  children,
}: {
  id: number | undefined
  onClose: () => void
  size: number
  title: ReactNode
  children: (id: number) => ReactNode
}) {
  return (
    <Drawer open={id !== undefined} onClose={onClose} size={size} title={title} destroyOnHidden>
      {id !== undefined && children(id)}
    </Drawer>
  )
}

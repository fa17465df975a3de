// Units by id (names resolved once and cached) and a unit picker that
// searches as people type, with or without diacritics (the API folds them).
import { useQuery } from '@tanstack/react-query'
import { Select } from 'antd'
import { useState } from 'react'
import { api, unwrap, type Schemas } from '../api/client'

type UnitKind = Schemas['UnitKind']

export function useUnit(id: number | null | undefined) {
  return useQuery({
    queryKey: ['org-unit', id],
    enabled: id !== null && id !== undefined,
    staleTime: 10 * 60_000,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/org-units/{id}', { params: { path: { id: id as number } } })),
  })
}

/** A unit's short name (its full name on hover), or its id while loading. */
export function UnitName({ id }: { id: number | null | undefined }) {
  const unit = useUnit(id)
  if (id === null || id === undefined) return null
  if (!unit.data) return <span>#{id}</span>
  return <span title={unit.data.name}>{unit.data.short_name || unit.data.name}</span>
}

/** Options for a unit search: what the API finds for the typed text. */
function useUnitSearch(kind?: UnitKind, within?: number) {
  const [q, setQ] = useState('')
  const units = useQuery({
    queryKey: ['org-units', 'picker', kind, within, q],
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/org-units', {
          params: { query: { q: q || undefined, kind, within, limit: 30 } },
        }),
      ),
  })
  const options = (units.data?.items ?? []).map((u) => ({ value: u.id, label: u.name }))
  return { options, setQ, loading: units.isFetching }
}

interface PickerProps {
  kind?: UnitKind
  within?: number
  placeholder?: string
  ariaLabel?: string
  id?: string
  style?: React.CSSProperties
}

type OneOrMany =
  | { multiple?: false; value?: number | null; onChange?: (id: number | undefined) => void }
  | { multiple: true; value?: number[]; onChange?: (ids: number[]) => void }

/** One unit, or several with `multiple` (the coordinating agencies of a task). */
export function UnitPicker(props: PickerProps & OneOrMany) {
  const { kind, within, placeholder, ariaLabel, id, style } = props
  const search = useUnitSearch(kind, within)
  const single = props.multiple ? undefined : props.value
  const selected = useUnit(single)
  const options = [...search.options]
  if (selected.data && !options.some((o) => o.value === selected.data.id)) {
    options.unshift({ value: selected.data.id, label: selected.data.name })
  }
  return (
    <Select<number | number[]>
      id={id}
      mode={props.multiple ? 'multiple' : undefined}
      showSearch={{ filterOption: false, onSearch: search.setQ }}
      allowClear
      value={props.multiple ? (props.value ?? []) : (props.value ?? undefined)}
      onChange={(v) => {
        if (props.multiple) props.onChange?.((v as number[] | undefined) ?? [])
        else props.onChange?.((v as number | undefined) ?? undefined)
      }}
      options={options}
      labelRender={
        props.multiple ? ({ label, value: v }) => (label ? <>{label}</> : <UnitName id={Number(v)} />) : undefined
      }
      loading={search.loading}
      placeholder={placeholder}
      aria-label={ariaLabel ?? placeholder}
      style={{ minWidth: 240, ...style }}
    />
  )
}

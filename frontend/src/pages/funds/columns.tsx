import type { TFunction } from 'i18next'
import { formatDong } from '../../format'

/** A right-aligned column of đồng amounts, titled from `funds.{key}`. */
export function moneyColumn(t: TFunction, key: 'allocated' | 'disbursed' | 'remaining' | 'planned') {
  return {
    title: t(`funds.${key}`),
    dataIndex: key,
    align: 'right' as const,
    render: (v: number) => formatDong(v),
  }
}

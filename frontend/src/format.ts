// Vietnamese formatting: dd/mm/yyyy dates, "1.234.567.890 đ" amounts,
// "1.234,5" triệu đồng in reports, rates from basis points.

const grouped = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 })
const oneDecimal = new Intl.NumberFormat('vi-VN', {
  minimumFractionDigits: 0,
  maximumFractionDigits: 1,
})

/** `2026-11-05` (or a timestamp) as `05/11/2026`; empty when absent. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return ''
  const [y, m, d] = value.slice(0, 10).split('-')
  if (!y || !m || !d) return value
  return `${d}/${m}/${y}`
}

/**
 * A timestamp as `05/11/2026 14:03` in the viewer's zone. The API writes
 * RFC 3339 in UTC (`2026-11-20T03:00:00Z`); a time without a zone is taken
 * as UTC too, never as the browser's local time.
 */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return ''
  const zoned = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`
  const at = new Date(zoned)
  if (Number.isNaN(at.getTime())) return value
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(at.getDate())}/${pad(at.getMonth() + 1)}/${at.getFullYear()} ${pad(at.getHours())}:${pad(at.getMinutes())}`
}

/** Integer đồng as `1.234.567.890 đ`. */
export function formatDong(dong: number | null | undefined): string {
  if (dong === null || dong === undefined) return ''
  return `${grouped.format(dong)} đ`
}

/** Integer đồng in triệu đồng with one decimal: `1.234,6`. */
export function formatMillions(dong: number | null | undefined): string {
  if (dong === null || dong === undefined) return ''
  return oneDecimal.format(dong / 1_000_000)
}

/** Basis points (10000 = 100 %) as `85,3 %`; a dash when there is no rate. */
export function formatRate(bp: number | null | undefined): string {
  if (bp === null || bp === undefined) return '—'
  return `${oneDecimal.format(bp / 100)} %`
}

/** Strips Vietnamese diacritics and case, for searching as people type. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
}

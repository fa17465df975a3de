import { describe, expect, it } from 'vitest'
import { fold, formatDate, formatDateTime, formatDong, formatMillions, formatRate } from './format'

describe('formatting', () => {
  it('writes dates as dd/mm/yyyy', () => {
    expect(formatDate('2026-11-05')).toBe('05/11/2026')
    expect(formatDate('2026-01-31T17:00:00Z')).toBe('31/01/2026')
    expect(formatDate(null)).toBe('')
  })

  it('reads timestamps without a zone as UTC', () => {
    const utc = formatDateTime('2026-11-20T03:05:00Z')
    expect(formatDateTime('2026-11-20T03:05:00')).toBe(utc)
    expect(formatDateTime('2026-11-20T03:05:00.123456')).toBe(utc)
    expect(formatDateTime('2026-11-20T10:05:00+07:00')).toBe(utc)
    expect(utc).toMatch(/^\d\d\/11\/2026 \d\d:05$/)
  })

  it('groups đồng with dots', () => {
    expect(formatDong(1_234_567_890)).toBe('1.234.567.890 đ')
    expect(formatDong(0)).toBe('0 đ')
    expect(formatDong(-5_000)).toBe('-5.000 đ')
  })

  it('writes triệu đồng with a decimal comma', () => {
    expect(formatMillions(1_234_567_890)).toBe('1.234,6')
    expect(formatMillions(500_000)).toBe('0,5')
    expect(formatMillions(3_000_000)).toBe('3')
  })

  it('turns basis points into a percent', () => {
    expect(formatRate(8534)).toBe('85,3 %')
    expect(formatRate(10000)).toBe('100 %')
    expect(formatRate(null)).toBe('—')
  })

  it('folds diacritics so "tan son" finds "Tân Sơn"', () => {
    expect(fold('Tân Sơn')).toBe('tan son')
    expect(fold('Đồng Nai')).toBe('dong nai')
  })
})

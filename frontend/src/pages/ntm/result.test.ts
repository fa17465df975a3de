import { describe, expect, it } from 'vitest'
import type { Schemas } from '../../api/client'
import { previewResult } from './result'

const indicator = (over: Partial<Schemas['IndicatorView']>): Schemas['IndicatorView'] => ({
  code: '15.1',
  name: 'Tỷ lệ người dân tham gia bảo hiểm y tế',
  value_type: 'percent',
  unit: '%',
  comparator: 'gte',
  choices: [],
  note: '',
  result: 'missing',
  evidence: [],
  target: { value: { number: '95' } },
  ...over,
})

describe('indicator preview', () => {
  it('compares numbers with the comparator', () => {
    expect(previewResult(indicator({}), { number: '96.2' })).toBe('pass')
    expect(previewResult(indicator({}), { number: '95' })).toBe('pass')
    expect(previewResult(indicator({}), { number: '94.9' })).toBe('fail')
    expect(previewResult(indicator({ comparator: 'lt' }), { number: '3' })).toBe('pass')
    expect(previewResult(indicator({}), { number: '' })).toBe('missing')
  })

  it('reads yes/no and choices, choices without regard to case', () => {
    const yes = indicator({ value_type: 'boolean', comparator: 'is_true', target: { value: { bool: true } } })
    expect(previewResult(yes, { bool: true })).toBe('pass')
    expect(previewResult(yes, { bool: false })).toBe('fail')
    const choice = indicator({ value_type: 'choice', comparator: 'one_of', target: { value: { choice: ['Đạt', 'Tốt'] } } })
    expect(previewResult(choice, { choice: 'đạt' })).toBe('pass')
    expect(previewResult(choice, { choice: 'Chưa đạt' })).toBe('fail')
  })

  it('has nothing to say without a target or a value', () => {
    expect(previewResult(indicator({ target: null }), { number: '1' })).toBe('no_target')
    expect(previewResult(indicator({}), null)).toBe('missing')
  })
})

describe('threshold text', () => {
  it('becomes the typed target the API takes', async () => {
    const { targetValue, targetText } = await import('./SetsPage')
    expect(targetValue('95,5', 'percent')).toEqual({ number: '95.5' })
    expect(targetValue('có', 'boolean')).toEqual({ bool: true })
    expect(targetValue('Không', 'boolean')).toEqual({ bool: false })
    expect(targetValue('Đạt / Tốt /', 'choice')).toEqual({ choice: ['Đạt', 'Tốt'] })
    expect(targetText({ choice: ['Đạt', 'Tốt'] })).toBe('Đạt / Tốt')
    expect(targetText(targetValue('45', 'number'))).toBe('45')
  })
})

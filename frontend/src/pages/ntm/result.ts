// The pass/fail of an indicator as the commune types, before saving: the
// comparator table of the API (see the `Comparator` schema). The server
// computes the result that counts; this only previews it.
import type { Schemas } from '../../api/client'

type Indicator = Schemas['IndicatorView']
type Value = Schemas['IndicatorValue']
type Result = Schemas['IndicatorResult']

const fold = (s: string) => s.normalize('NFC').trim().toLocaleLowerCase('vi')

export function previewResult(indicator: Indicator, value: Value | null | undefined): Result {
  const target = indicator.target?.value
  if (!target) return 'no_target'
  if (!value) return 'missing'
  const pass = (ok: boolean): Result => (ok ? 'pass' : 'fail')
  if ('number' in value && 'number' in target) {
    const v = Number(value.number)
    const t = Number(target.number)
    if (Number.isNaN(v) || value.number.trim() === '') return 'missing'
    switch (indicator.comparator) {
      case 'gte':
        return pass(v >= t)
      case 'gt':
        return pass(v > t)
      case 'lte':
        return pass(v <= t)
      case 'lt':
        return pass(v < t)
      case 'eq':
        return pass(v === t)
      default:
        return 'fail'
    }
  }
  if ('bool' in value && 'bool' in target) {
    return pass(indicator.comparator === 'is_true' ? value.bool : value.bool === target.bool)
  }
  if ('choice' in value && 'choice' in target) {
    return pass(target.choice.some((c) => fold(c) === fold(value.choice)))
  }
  return 'fail'
}

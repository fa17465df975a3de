// Tasks per timeliness class as stacked bars, one bar per row of the
// statistics, in the seeds' colours.
import { useTranslation } from 'react-i18next'
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { Schemas } from '../api/client'
import { CSS_COLOUR } from './TimelinessTag'

type Row = Schemas['StatsRow']
type Timeliness = Schemas['Timeliness']

export const CLASSES: Timeliness[] = [
  'overdue',
  'due_soon',
  'on_time',
  'no_deadline',
  'completed_late',
  'completed_on_time',
]

export function TimelinessChart({ rows, height = 320 }: { rows: Row[]; height?: number }) {
  const { t } = useTranslation()
  const data = rows.map((r) => ({ label: r.label, ...r.counts }))
  return (
    <div role="img" aria-label={t('stats.title')} style={{ width: '100%', height }}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ left: 24, right: 24 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="label" width={200} />
          <Tooltip />
          <Legend />
          {CLASSES.map((c) => (
            <Bar key={c} dataKey={c} stackId="a" name={t(`timeliness.${c}`)} fill={CSS_COLOUR[c]} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}

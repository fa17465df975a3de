import { Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Schemas } from '../api/client'

type Colour = Schemas['TimelinessColour']

/** The seeds' colours of the timeliness classes, as antd tag presets. */
export const TAG_COLOUR: Record<Colour, string> = {
  green: 'success',
  yellow: 'gold',
  red: 'error',
  blue: 'processing',
  orange: 'orange',
  grey: 'default',
}

/** The same colours as CSS values, for charts and the board. */
export const CSS_COLOUR: Record<Schemas['Timeliness'], string> = {
  on_time: '#389e0d',
  due_soon: '#d4b106',
  overdue: '#cf1322',
  completed_on_time: '#1677ff',
  completed_late: '#d46b08',
  no_deadline: '#8c8c8c',
}

export function TimelinessTag({
  timeliness,
  colour,
}: {
  timeliness: Schemas['Timeliness']
  colour: Colour
}) {
  const { t } = useTranslation()
  return (
    <Tag color={TAG_COLOUR[colour]} data-timeliness={timeliness}>
      {t(`timeliness.${timeliness}`)}
    </Tag>
  )
}

// The wall board: no sign-in, the token in the address; per-agency tiles,
// the overdue list scrolling, polled as often as the server says.
import { useQuery } from '@tanstack/react-query'
import { Result } from 'antd'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'
import { api, ApiError, unwrap, type Schemas } from '../api/client'
import { Loading } from '../components/status'
import { formatDate, formatRate } from '../format'

type Row = Schemas['StatsRow']
type Timeliness = Schemas['Timeliness']
const SHOWN: Timeliness[] = ['overdue', 'due_soon', 'on_time', 'completed_on_time', 'completed_late']
/** The seeds' colours, lightened to read on the dark board. */
const BOARD_COLOUR: Partial<Record<Timeliness, string>> = {
  overdue: '#ff7875',
  due_soon: '#ffd666',
  on_time: '#95de64',
  completed_on_time: '#69b1ff',
  completed_late: '#ffc069',
}

function Tile({ row }: { row: Row }) {
  const { t } = useTranslation()
  return (
    <article className={row.counts.overdue > 0 ? 'board-tile has-overdue' : 'board-tile'} data-testid="board-tile">
      <h2>{row.label}</h2>
      <div className="board-counts">
        {SHOWN.map((c) => (
          <div key={c} className="board-count">
            <strong style={{ color: BOARD_COLOUR[c] }}>{row.counts[c]}</strong>
            {t(`timeliness.${c}`)}
          </div>
        ))}
        <div className="board-count">
          <strong>{formatRate(row.on_time_rate_bp)}</strong>
          {t('stats.onTimeRate')}
        </div>
      </div>
    </article>
  )
}

export function BoardPage() {
  const { t } = useTranslation()
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const board = useQuery({
    queryKey: ['board', token],
    enabled: token !== '',
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/board', { params: { query: { token } }, headers: { Authorization: '' } })),
    refetchInterval: (q) => (q.state.data?.refresh_seconds ?? 60) * 1000,
    refetchIntervalInBackground: true,
    retry: (count, error) => count < 3 && !(error instanceof ApiError && error.problem.status < 500),
  })
  if (!token) return <Result status="warning" title={t('board.noToken')} />
  if (board.isPending) return <Loading />
  if (!board.data) {
    const refused = board.error instanceof ApiError && board.error.problem.status === 401
    return <Result status="error" title={refused ? t('board.badToken') : t('common.error')} />
  }
  const data = board.data
  const overdue = data.overdue
  // Twice the list so the scroll wraps without a gap; only when it overflows.
  const scrolling = overdue.length > 8
  return (
    <main className="board" lang="vi">
      <header>
        <h1>
          {t('board.title')} — {data.unit_name}
        </h1>
        <div className="as-of">{t('board.asOf', { date: formatDate(data.as_of) })}</div>
      </header>
      <div className="board-tiles">
        <Tile row={{ ...data.total, label: t('board.total') }} />
        {data.tiles.map((row) => (
          <Tile key={row.key} row={row} />
        ))}
      </div>
      <h2 style={{ color: '#fff', fontSize: 32 }}>
        {t('board.overdue')} ({overdue.length})
      </h2>
      <div className="board-overdue" data-testid="board-overdue">
        <ol
          className={scrolling ? 'board-scroll' : undefined}
          style={scrolling ? { animationDuration: `${overdue.length * 3}s` } : undefined}
        >
          {(scrolling ? [...overdue, ...overdue] : overdue).map((item, i) => (
            <li key={`${item.task_id}-${i}`} aria-hidden={i >= overdue.length}>
              <span className="days">{t('board.days', { count: item.days_overdue })}</span>
              <span style={{ minWidth: 260 }}>{item.lead_unit_name}</span>
              <span>{item.content}</span>
            </li>
          ))}
        </ol>
      </div>
    </main>
  )
}

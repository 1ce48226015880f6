// The dashboard's KPI cards, from `GET /provider/dashboard/stats`. Pure: the screen only renders them.
import { formatDecimal, formatDuration, formatPercent, formatXAF } from './format.js';

/** The KPI cards, from `GET /provider/dashboard/stats`. */
export function kpiCards(stats) {
  const rating = stats.average_rating == null ? '—' : `${formatDecimal(stats.average_rating)} / 5`;
  const trend = stats.rating_trend == null ? '' : `${stats.rating_trend >= 0 ? '+' : ''}${formatDecimal(stats.rating_trend)} sur 30 j`;
  return [
    { label: 'Nouvelles demandes', value: String(stats.today_new ?? 0), kind: stats.today_new ? 'alert' : '' },
    { label: 'Missions en cours', value: String(stats.in_progress ?? 0), kind: 'accent' },
    { label: 'Terminées aujourd’hui', value: String(stats.today_done ?? 0) },
    { label: 'Encaissé cette semaine', value: formatXAF(stats.week_gross), kind: 'money' },
    { label: 'Net cette semaine', value: formatXAF(stats.week_net), kind: 'money', note: 'après commission' },
    { label: 'Taux d’acceptation', value: formatPercent(stats.acceptance_rate_7d), note: '7 derniers jours' },
    { label: 'Note moyenne', value: rating, note: `${stats.rating_count ?? 0} avis ${trend}`.trim() },
    { label: 'Temps de réponse', value: formatDuration(stats.average_response_minutes_7d), note: 'moyenne sur 7 j' },
  ];
}


/// <reference lib="dom" />
/** The console's dashboard: the last 24 hours of the audit table's counts, a bar chart per series. */
import { h, svg, table } from './dom';

export interface HourActivity {
  hour: string;
  sign_ins: number;
  failures: number;
  throttled: number;
  reuse_detected: number;
}
export type Series = Exclude<keyof HourActivity, 'hour'>;

/** What `GET /api/admin/activity` answers. */
export interface Activity {
  hours: HourActivity[];
  totals: Record<Series, number>;
}

/** Each series: its key, its title, and what it counts. */
const SERIES: readonly [Series, string, string][] = [
  ['sign_ins', 'Sign-ins', 'sessions opened'],
  ['failures', 'Failures', 'wrong passwords, unknown names, failed second factors and client secrets'],
  ['throttled', 'Throttled attempts', 'refused by the throttle before any password was checked'],
  ['reuse_detected', 'Reuse detections', 'a refresh token used twice: its session was ended'],
];

/** One series as 24 bars, each hour's height against the series' busiest hour. */
function barChart(hours: readonly HourActivity[], series: Series): SVGElement {
  const [width, height, top, bottom, left] = [460, 130, 10, 22, 36];
  const most = Math.max(1, ...hours.map((x) => x[series]));
  const step = (width - left) / hours.length;
  const bars = hours.map((x, i) => {
    const tall = (x[series] / most) * (height - top - bottom);
    return svg(
      'rect',
      { class: 'bar', x: left + i * step + 1, y: height - bottom - tall, width: step - 2, height: tall },
      svg('title', {}, `${x.hour.slice(11, 16)} UTC: ${x[series]}`),
    );
  });
  const ticks = hours.flatMap((x, i) =>
    i % 6 === 0 ? [svg('text', { class: 'tick', x: left + i * step, y: height - 6 }, x.hour.slice(11, 16))] : [],
  );
  return svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${series} by hour` },
    svg('text', { class: 'tick', x: 0, y: top + 8 }, String(most)),
    svg('text', { class: 'tick', x: 0, y: height - bottom }, '0'),
    svg('line', { class: 'axis', x1: left, x2: width, y1: height - bottom, y2: height - bottom }),
    ...bars,
    ...ticks,
  );
}

/** The dashboard's content: a chart per series, and the figures in a table. */
export function dashboard({ hours, totals }: Activity): Node[] {
  return [
    h('h2', {}, 'The last 24 hours'),
    h('p', { class: 'muted' }, `Hour by hour, in UTC, to ${hours.at(-1)?.hour.slice(11, 16) ?? ''} (this hour so far).`),
    h(
      'div',
      { id: 'dashboard', class: 'charts' },
      ...SERIES.map(([series, title, meaning]) =>
        h(
          'figure',
          { class: `chart ${series}`, 'data-series': series },
          h('figcaption', {}, h('strong', { class: 'total' }, String(totals[series])), ` ${title}`, h('span', { class: 'muted' }, meaning)),
          barChart(hours, series),
        ),
      ),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'The figures, hour by hour'),
      table(
        'activity',
        ['Hour (UTC)', ...SERIES.map(([, title]) => title)],
        hours.map((x) =>
          h('tr', {}, h('td', {}, x.hour.slice(0, 16).replace('T', ' ')), ...SERIES.map(([s]) => h('td', {}, String(x[s])))),
        ),
      ),
    ),
  ];
}

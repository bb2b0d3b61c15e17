/**
 * A hand-written SVG line chart of one figure over time. It scales with its container (viewBox), draws nice
 * round ticks from zero, marks each point (with a native tooltip), and comes with the same data as a table
 * for screen readers and for anyone who wants the exact figures.
 */
import { useId, useMemo } from "react";
import { useI18n } from "../app/context";
import { formatDateTime, formatShortDate } from "../lib/format";
import { downsample, linePath, niceTicks, type Point, scale, timeTicks } from "../lib/stats";

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 16, right: 16, bottom: 28, left: 64 };
const MAX_POINTS = 240;

export function LineChart({
  title,
  points,
  format,
  formatAxis,
  testId,
}: {
  title: string;
  points: Point[];
  format: (value: number) => string;
  formatAxis: (value: number) => string;
  testId: string;
}) {
  const { t, tn, lang } = useI18n();
  const gradientId = useId();
  const shown = useMemo(() => downsample(points, MAX_POINTS), [points]);
  const last = shown.at(-1);
  const first = shown[0];

  const chart = useMemo(() => {
    if (!first || !last) return null;
    const values = shown.map((p) => p.v);
    const ticks = niceTicks(Math.min(...values), Math.max(...values));
    const y = scale([ticks[0] ?? 0, ticks.at(-1) ?? 1], [HEIGHT - PAD.bottom, PAD.top]);
    const singleTime = first.t.getTime() === last.t.getTime();
    const x = singleTime
      ? () => (PAD.left + WIDTH - PAD.right) / 2
      : scale([first.t.getTime(), last.t.getTime()], [PAD.left, WIDTH - PAD.right]);
    const coords = shown.map((p) => [x(p.t.getTime()), y(p.v)] as [number, number]);
    const line = linePath(coords);
    const area = `${line} L${coords.at(-1)?.[0]} ${HEIGHT - PAD.bottom} L${coords[0]?.[0]} ${HEIGHT - PAD.bottom} Z`;
    const xTicks = singleTime ? [first.t] : timeTicks(first.t, last.t, 4);
    return { ticks, y, x, coords, line, area, xTicks };
  }, [shown, first, last]);

  return (
    <figure className="chart card" data-testid={testId} data-points={points.length}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {last ? (
          <span className="chart-latest" data-testid={`${testId}-latest`}>
            {format(last.v)}
          </span>
        ) : null}
      </figcaption>
      {chart ? (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t("stats.chart_label", { title })}>
          <defs>
            <linearGradient id={gradientId} x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="currentColor" stopOpacity="0.22" />
              <stop offset="100%" stopColor="currentColor" stopOpacity="0" />
            </linearGradient>
          </defs>
          {chart.ticks.map((tick) => (
            <g key={tick} className="chart-grid">
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={chart.y(tick)} y2={chart.y(tick)} />
              <text x={PAD.left - 8} y={chart.y(tick)} textAnchor="end" dominantBaseline="middle">
                {formatAxis(tick)}
              </text>
            </g>
          ))}
          {chart.xTicks.map((tick, i) => (
            <text
              key={tick.getTime()}
              className="chart-axis"
              x={chart.x(tick.getTime())}
              y={HEIGHT - 8}
              textAnchor={
                chart.xTicks.length === 1
                  ? "middle"
                  : i === 0
                    ? "start"
                    : i === chart.xTicks.length - 1
                      ? "end"
                      : "middle"
              }
            >
              {formatShortDate(tick, lang)}
            </text>
          ))}
          <path d={chart.area} fill={`url(#${gradientId})`} className="chart-area" />
          <path d={chart.line} className="chart-line" fill="none" />
          {shown.length <= 60
            ? chart.coords.map(([cx, cy], i) => (
                <circle key={shown[i]?.t.getTime()} cx={cx} cy={cy} r={3.2} className="chart-dot">
                  <title>{`${formatDateTime(shown[i]?.t, lang)} : ${format(shown[i]?.v ?? 0)}`}</title>
                </circle>
              ))
            : null}
        </svg>
      ) : (
        <p className="muted chart-empty" data-testid={`${testId}-empty`}>
          {t("stats.no_data")}
        </p>
      )}
      {points.length > 0 ? (
        <details className="chart-table">
          <summary>{tn("stats.show_data", points.length)}</summary>
          <div className="table-wrap">
            <table className="chart-data">
              <thead>
                <tr>
                  <th scope="col">{t("stats.when")}</th>
                  <th scope="col" className="num">
                    {title}
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...points]
                  .reverse()
                  .slice(0, 200)
                  .map((p) => (
                    <tr key={p.t.getTime()}>
                      <td>{formatDateTime(p.t, lang)}</td>
                      <td className="num">{format(p.v)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </figure>
  );
}

/** A small SVG line chart (scores 0–100 over time): a dozen lines, so no charting library. */

export interface Series {
  label: string;
  points: { at: Date; value: number }[];
}

const PALETTE = ['#2457c5', '#c0392b', '#1d7a46', '#a66300', '#7b3fb8', '#0b7a8a', '#b8336a', '#5d6673'];
const WIDTH = 720;
const HEIGHT = 260;
const PAD = { top: 12, right: 12, bottom: 28, left: 36 };

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

export function LineChart({ series, title }: { series: Series[]; title: string }) {
  const times = series.flatMap((s) => s.points.map((p) => p.at.getTime()));
  if (times.length === 0) return <p className="empty">No scores yet.</p>;
  const minT = Math.min(...times);
  const maxT = Math.max(...times);
  const spanT = maxT - minT || 1;
  const x = (t: number) => PAD.left + ((t - minT) / spanT) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / 100) * (HEIGHT - PAD.top - PAD.bottom);
  const timeLabel = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {[0, 25, 50, 75, 100].map((v) => (
          <g key={v}>
            <line className="axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={HEIGHT - 8}>
          {timeLabel(minT)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 8} textAnchor="end">
          {timeLabel(maxT)}
        </text>
        {series.map((s, index) => {
          const sorted = [...s.points].sort((a, b) => a.at.getTime() - b.at.getTime());
          const color = seriesColor(index);
          return (
            <g key={s.label}>
              <polyline
                fill="none"
                stroke={color}
                strokeWidth={2}
                points={sorted.map((p) => `${x(p.at.getTime())},${y(p.value)}`).join(' ')}
              />
              {sorted.map((p) => (
                <circle key={p.at.getTime()} cx={x(p.at.getTime())} cy={y(p.value)} r={3} fill={color}>
                  <title>{`${s.label}: ${p.value.toFixed(1)} at ${p.at.toISOString()}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="legend">
          {series.map((s, index) => (
            <li key={s.label}>
              <i style={{ background: seriesColor(index) }} />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

import { useId } from "react";

/** A small line chart (valuations, prices): points in order, y from 0. The caption and a table carry the numbers. */
export function LineChart({
  title,
  points,
  format,
}: {
  title: string;
  points: { label: string; value: number }[];
  format: (n: number) => string;
}) {
  const id = useId();
  const w = 560;
  const h = 180;
  const pad = 36;
  if (points.length === 0) return null;
  const max = Math.max(...points.map((p) => p.value), 1);
  const x = (i: number) => pad + (points.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (points.length - 1));
  const y = (v: number) => h - pad + 8 - (v / max) * (h - 2 * pad);
  const d = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-labelledby={id} width="100%">
        <line x1={pad} y1={h - pad + 8} x2={w - pad} y2={h - pad + 8} stroke="#6b7280" />
        <text x={4} y={y(max) + 4} fontSize="11" fill="#374151">
          {format(max)}
        </text>
        <path d={d} fill="none" stroke="#0b5cad" strokeWidth="2" />
        {points.map((p, i) => (
          <circle key={i} cx={x(i)} cy={y(p.value)} r="3.5" fill="#0b5cad">
            <title>{`${p.label}: ${format(p.value)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption id={id}>
        {title}: {points.map((p) => `${p.label} ${format(p.value)}`).join("; ")}
      </figcaption>
    </figure>
  );
}

/** One horizontal bar split in parts (a batch's supply: circulating / retired / cancelled), with a legend. */
export function SplitBar({ title, parts, format }: { title: string; parts: { label: string; value: number; color: string }[]; format: (n: number) => string }) {
  const id = useId();
  const total = parts.reduce((s, p) => s + p.value, 0) || 1;
  let at = 0;
  return (
    <figure className="chart">
      <svg viewBox="0 0 560 40" role="img" aria-labelledby={id} width="100%">
        <rect x="0" y="4" width="560" height="32" fill="#e5e7eb" />
        {parts.map((p) => {
          const width = (p.value / total) * 560;
          const rect = <rect key={p.label} x={at} y="4" width={width} height="32" fill={p.color} />;
          at += width;
          return rect;
        })}
      </svg>
      <figcaption id={id}>
        {title}:{" "}
        {parts.map((p) => (
          <span key={p.label} className="legend">
            <span className="swatch" style={{ background: p.color }} aria-hidden="true" /> {p.label} {format(p.value)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

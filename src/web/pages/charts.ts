import { html, type Raw } from './html';

export interface BarPoint {
  /** Machine key (a day, YYYY-MM-DD). */
  key: string;
  /** Axis and table label. */
  label: string;
  value: number;
  /** The value as the reader sees it (formatted number or amount). */
  display: string;
}

export interface BarChartOpts {
  id: string;
  title: string;
  /** One sentence for screen readers: what the chart shows and its key figures. */
  desc: string;
  points: BarPoint[];
  /** Table header cells: [label column, value column]. */
  columns: [string, string];
  tableSummary: string;
  /** Formats the axis maximum. */
  format: (n: number) => string;
}

const W = 600;
const PLOT_TOP = 18;
const PLOT_H = 140;
const AXIS_H = 22;

/**
 * A bar chart as inline SVG, rendered on the server (no script, no chart library). The <svg> is one
 * image with a <title> and <desc>; the same figures follow in a table for screen readers, for
 * copying and for printing. Time runs left to right in every language, as on Arabic-language
 * dashboards generally, so the svg keeps dir="ltr".
 */
export function barChart(o: BarChartOpts): Raw {
  const max = Math.max(0, ...o.points.map((p) => p.value));
  const n = Math.max(1, o.points.length);
  const slot = W / n;
  const bar = Math.max(1, slot * 0.7);
  const y = (v: number) => (max > 0 ? (v / max) * PLOT_H : 0);
  // First, middle and last labels only: 30 dates do not fit under 30 narrow bars.
  const labelled = new Set([0, Math.floor((n - 1) / 2), n - 1]);
  return html`<div class="chart" id="${o.id}">
    <svg viewBox="0 0 ${W} ${PLOT_TOP + PLOT_H + AXIS_H}" role="img" aria-labelledby="${o.id}-title ${o.id}-desc" dir="ltr" focusable="false" preserveAspectRatio="xMidYMid meet">
      <title id="${o.id}-title">${o.title}</title>
      <desc id="${o.id}-desc">${o.desc}</desc>
      <line class="axis" x1="0" y1="${PLOT_TOP + PLOT_H}" x2="${W}" y2="${PLOT_TOP + PLOT_H}"></line>
      <text class="max" x="2" y="12">${o.format(max)}</text>
      ${o.points.map((p, i) => {
        const h = y(p.value);
        const x = i * slot + (slot - bar) / 2;
        return html`<rect class="bar" x="${x.toFixed(1)}" y="${(PLOT_TOP + PLOT_H - h).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" data-day="${p.key}" data-value="${p.value}"><title>${p.label}: ${p.display}</title></rect>${
          labelled.has(i) ? html`<text class="tick" x="${(i * slot + slot / 2).toFixed(1)}" y="${PLOT_TOP + PLOT_H + 15}" text-anchor="${i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}">${p.label}</text>` : ''
        }`;
      })}
    </svg>
    <details><summary>${o.tableSummary}</summary>
      <div class="scroll"><table><caption class="visually-hidden">${o.title}</caption>
        <thead><tr><th scope="col">${o.columns[0]}</th><th scope="col" class="num">${o.columns[1]}</th></tr></thead>
        <tbody>${o.points.map((p) => html`<tr><th scope="row">${p.label}</th><td class="num">${p.display}</td></tr>`)}</tbody>
      </table></div></details>
  </div>`;
}

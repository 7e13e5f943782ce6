/** The values under the cursor, drawn with Lit so data text stays text. */
import { html, nothing, type TemplateResult } from 'lit';
import { formatWithUnit } from '../../chart/format.js';
import type { ChartLine } from './metric-chart.data.js';

export interface Cursor {
  /** Bucket under the cursor. */
  index: number;
  /** Cursor x in the plot area, px. */
  left: number;
}

/** Where uPlot's plot area sits in the mount, px. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
}

export function renderTooltip(times: readonly number[], lines: readonly ChartLine[], cursor: Cursor, area: PlotArea): TemplateResult | typeof nothing {
  const time = times[cursor.index];
  if (time === undefined) return nothing;
  const x = area.left + cursor.left;
  // Right of the cursor in the left half, left of it in the right half: it never leaves the card.
  const position = `top:${area.top + 8}px;${x > area.width / 2 ? `right:${area.width - x + 12}px` : `left:${x + 12}px`}`;
  const rows = lines.map((line) => [line, nearest(line.values, cursor.index)] as const).filter(([, value]) => value !== undefined);
  return html`<div class="tooltip" style=${position}>
    <div class="tip-x">${localTime(time * 1000)}</div>
    ${rows.map(([line, value]) => html`<div><span class="swatch" style="background:${line.color}"></span>${line.label}: <b>${formatWithUnit(value!, line.unit)}</b></div>`)}
  </div>`;
}

/** The value at a bucket, or the nearest one a few buckets away (series sampled less often than buckets). */
function nearest(values: ReadonlyArray<number | null>, index: number): number | undefined {
  for (let d = 0; d < 16; d++) {
    const v = values[index - d] ?? values[index + d];
    if (v !== null && v !== undefined) return v;
  }
  return undefined;
}

/** Local wall time, as uPlot's time axis shows it. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

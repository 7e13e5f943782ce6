/**
 * The text parts of `<gpu-util>` around its canvases: row labels, the hover
 * tooltip, the colour legend and the summary. Data strings go through Lit
 * text bindings only.
 */
import { html, nothing } from 'lit';
import { formatDuration } from '../../chart/format.js';
import { formatDeviceTime, formatPercent, type UtilModel } from './gpu-util.model.js';

/** Clock time of a column edge: seconds when buckets are under a minute, the date when the span passes a day. */
export function clock(ms: number, model: UtilModel): string {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (model.bucketMs < 60_000) options.second = '2-digit';
  if (model.columns * model.bucketMs > 86_400_000) Object.assign(options, { month: 'short', day: 'numeric' });
  return new Date(ms).toLocaleString('en-GB', options);
}

/**
 * The summary in words, for screen readers (the heatmap's label): "8 GPUs on
 * 2 hosts; mean 71.0%; lowest node-1 · GPU 3 at 12.0%; idle …; no stragglers."
 */
export function summaryText(m: UtilModel, idleThreshold: number): string {
  const hosts = new Set(m.series.map((s) => s.host)).size;
  const count = m.noun === 'host' ? `${m.series.length} host${m.series.length === 1 ? '' : 's'}` : `${m.series.length} GPU${m.series.length === 1 ? '' : 's'} on ${hosts} host${hosts === 1 ? '' : 's'}`;
  const finite = m.series.filter((s) => Number.isFinite(s.mean));
  const lowest = finite.length > 1 ? finite.reduce((low, s) => (s.mean < low.mean ? s : low)) : undefined;
  const stragglers = m.stragglers.length
    ? `stragglers: ${m.stragglers.map((s) => `${s.label} ${formatPercent(s.mean)}`).join(', ')} (median ${formatPercent(m.median)})`
    : 'no stragglers';
  const idle = `idle ${formatPercent(m.idleShare * 100)}, ${formatDeviceTime(m.idleSeconds, m.noun)} below ${idleThreshold}%`;
  return [count, `mean ${formatPercent(m.mean)}`, lowest ? `lowest ${lowest.label} at ${formatPercent(lowest.mean)}` : '', idle, stragglers].filter(Boolean).join('; ') + '.';
}

/** The fleet-mean line in words: its range over the window and its latest value. */
export function meanLineText(m: UtilModel): string {
  const values = Array.from(m.meanLine).filter(Number.isFinite);
  if (!values.length) return 'Fleet mean per bucket: no data.';
  const latest = values[values.length - 1];
  return `Fleet mean per ${formatDuration(m.bucketMs / 1000)} bucket, on a 0–100% scale: from ${formatPercent(Math.min(...values))} to ${formatPercent(Math.max(...values))}, latest ${formatPercent(latest)}.`;
}

/** One cell in words: "node-2 · GPU 1, 00:00:15 – 00:00:30: 100.0%, 2 samples" (the tooltip's and the keyboard's text). */
export function cellText(m: UtilModel, row: number, col: number): string {
  const s = m.series[row];
  const i = row * m.columns + col;
  const from = m.start + col * m.bucketMs;
  const n = m.counts[i];
  const value = n ? `${formatPercent(m.cells[i])}, ${n} sample${n === 1 ? '' : 's'}` : 'no data';
  return `${s.label}${s.straggler ? ' (straggler)' : ''}, ${clock(from, m)} – ${clock(from + m.bucketMs, m)}: ${value}`;
}

/** A row label; when rows are too thin for one label each, only a host's first row names the host. */
export function rowLabel(m: UtilModel, i: number, compact: boolean, hovered: boolean) {
  const s = m.series[i];
  const firstOfHost = i === 0 || m.series[i - 1].host !== s.host;
  const text = compact ? html`<span aria-hidden="true">${firstOfHost ? s.host : ''}</span><span class="sr-only">${s.label}</span>` : s.label;
  return html`<li class="${s.straggler ? 'straggler' : ''} ${hovered ? 'hover' : ''} ${compact ? 'compact' : ''}" title=${s.label}>
    ${s.straggler ? html`<span aria-hidden="true">▼ </span>` : nothing}${text}${s.straggler ? html`<span class="sr-only"> (straggler)</span>` : nothing}
  </li>`;
}

export interface Hover {
  row: number;
  col: number;
  /** Pointer position in the heatmap, CSS px. */
  x: number;
  y: number;
}

export function tooltip(m: UtilModel, hover: Hover, width: number) {
  const s = m.series[hover.row];
  const i = hover.row * m.columns + hover.col;
  const from = m.start + hover.col * m.bucketMs;
  const n = m.counts[i];
  const left = Math.min(hover.x + 12, Math.max(0, width - 180));
  return html`<div class="tooltip" part="tooltip" style="left: ${left}px; top: ${hover.y + 14}px">
    <div><b>${s.label}</b>${s.straggler ? ' · straggler' : ''}</div>
    <div class="tip-time">${clock(from, m)} – ${clock(from + m.bucketMs, m)}</div>
    <div>${n ? `${formatPercent(m.cells[i])} · ${n} sample${n === 1 ? '' : 's'}` : 'no data'}</div>
  </div>`;
}

export function footer(m: UtilModel, idleThreshold: number, stragglerGap: number, maxSeries: number) {
  return html`
    <div part="legend" class="legend">
      <span>0%</span><span class="ramp"></span><span>100%</span><span class="nodata"></span><span>no data</span>
      ${m.truncated ? html`<span>· first ${maxSeries} series</span>` : nothing}
    </div>
    <p part="summary" class="summary">
      <span class="mean-stat">Mean <b>${formatPercent(m.mean)}</b></span>
      <span class="idle-stat">Idle <b>${formatPercent(m.idleShare * 100)}</b> · ${formatDeviceTime(m.idleSeconds, m.noun)} below ${idleThreshold}%</span>
      <span class="stragglers"
        >${m.stragglers.length
          ? html`Stragglers (> ${stragglerGap} points under median ${formatPercent(m.median)}):
            ${m.stragglers.map((s, i) => html`${i ? ', ' : ''}<span class="straggler">${s.label}</span> ${formatPercent(s.mean)}`)}`
          : 'No stragglers'}</span
      >
    </p>
  `;
}

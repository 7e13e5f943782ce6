/**
 * The text parts of `<gpu-util>` around its canvases: row labels, the hover
 * tooltip, the colour legend and the summary. Data strings go through Lit
 * text bindings only.
 */
import { html, nothing } from 'lit';
import { formatDeviceTime, formatPercent, type UtilModel } from './gpu-util.model.js';

/** Clock time of a column edge: seconds when buckets are under a minute, the date when the span passes a day. */
export function clock(ms: number, model: UtilModel): string {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (model.bucketMs < 60_000) options.second = '2-digit';
  if (model.columns * model.bucketMs > 86_400_000) Object.assign(options, { month: 'short', day: 'numeric' });
  return new Date(ms).toLocaleString('en-GB', options);
}

/** The summary as one sentence, for screen readers (the heatmap's label). */
export function summaryText(m: UtilModel, idleThreshold: number): string {
  const stragglers = m.stragglers.length
    ? `stragglers: ${m.stragglers.map((s) => `${s.label} ${formatPercent(s.mean)}`).join(', ')} (median ${formatPercent(m.median)})`
    : 'no stragglers';
  const idle = `idle ${formatPercent(m.idleShare * 100)}, ${formatDeviceTime(m.idleSeconds, m.noun)} below ${idleThreshold}%`;
  return `${m.series.length} ${m.noun === 'host' ? 'hosts' : 'GPUs'}; mean ${formatPercent(m.mean)}; ${idle}; ${stragglers}.`;
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

/**
 * The parts of `<metric-detail>` under its plot: the statistics strip, the
 * first NaN/Inf and the spike list, and the range they are of in words.
 */
import { html, nothing } from 'lit';
import { formatTime, formatValue } from '../../chart/format.js';
import type { ZoomRange } from '../../chart/group-sync.js';
import type { Checkpoint, NonFinitePoint, RangeStats, Spike } from './metric-detail.model.js';
import { SPIKE_HALF_WINDOW, SPIKE_POINT_LIMIT } from './metric-detail.queries.js';

/** Statistics as they arrived, with the range and axis they were asked for. */
export interface ShownStats {
  stats: RangeStats;
  /** Spikes in the range (the most severe ones), in step order, and how many there are in all. */
  spikes: Spike[];
  found: number;
  range: ZoomRange | undefined;
  axis: 'step' | 'time';
}

const steps = (n: number) => Math.round(n).toLocaleString('en-US');
const utc = (ms: number) => `${formatTime(ms)} UTC`;

/** A zoom in words, for announcements: "steps 1,000 to 2,000", or two UTC times. */
export function describeZoom([lo, hi]: ZoomRange, axis: 'step' | 'time'): string {
  return axis === 'step' ? `steps ${steps(lo)} to ${steps(hi)}` : `${utc(lo * 1000)} to ${utc(hi * 1000)}`;
}

/**
 * The range statistics are of: "steps 1,000–2,000" when zoomed (the whole
 * steps within the zoom, as asked of ClickHouse), "all steps (0–4,999)" when
 * not (what the answer held); times on the time axis.
 */
export function describeRange(range: ZoomRange | undefined, axis: 'step' | 'time', stats?: RangeStats): string {
  if (range) {
    return axis === 'step' ? `steps ${steps(Math.ceil(range[0]))}–${steps(Math.floor(range[1]))}` : `${utc(Math.ceil(range[0] * 1000))} – ${utc(Math.floor(range[1] * 1000))}`;
  }
  if (!stats?.count) return axis === 'step' ? 'all steps' : 'all time';
  return axis === 'step' ? `all steps (${steps(stats.firstStep)}–${steps(stats.lastStep)})` : `all time (${utc(stats.firstMs)} – ${utc(stats.lastMs)})`;
}

/** The statistics strip: "visible range: steps a–b" and count, min, max, mean, p50, p90, p99, last, NaN/Inf. */
export function renderStats(shown: ShownStats | undefined, settling: boolean, host: string) {
  if (!shown) return html`<section class="stats" part="stats" aria-label="Statistics of the visible range" aria-busy="true"><p class="range">Statistics of the visible range: loading…</p></section>`;
  const { stats, range, axis } = shown;
  const finite = stats.finite > 0;
  const cell = (label: string, value: string, title?: string) => html`<div><dt title=${title ?? nothing}>${label}</dt><dd>${value}</dd></div>`;
  return html`<section class="stats ${settling ? 'settling' : ''}" part="stats" aria-label="Statistics of the visible range" aria-busy=${settling ? 'true' : 'false'}>
    <p class="range">visible range: ${describeRange(range, axis, stats)}${host ? html` · host ${host}` : nothing}${settling ? ' · updating…' : ''}</p>
    <dl>
      ${cell('count', stats.count.toLocaleString('en-US'), 'raw rows in the range')}
      ${cell('min', finite ? formatValue(stats.min) : '–')}
      ${cell('max', finite ? formatValue(stats.max) : '–')}
      ${cell('mean', finite ? formatValue(stats.mean) : '–')}
      ${cell('p50', finite ? formatValue(stats.p50) : '–', 'median, interpolated')}
      ${cell('p90', finite ? formatValue(stats.p90) : '–')}
      ${cell('p99', finite ? formatValue(stats.p99) : '–')}
      ${cell('last', stats.count ? formatValue(stats.last) : '–', 'value of the newest row in the range')}
      ${cell('NaN/Inf', `${(stats.nan + stats.inf).toLocaleString('en-US')}`, `${stats.nan} NaN, ${stats.inf} ±Inf`)}
    </dl>
  </section>`;
}

/** `NaN`, `+Inf` or `-Inf`. */
export function nonFiniteKind(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/**
 * "First NaN/Inf: step 1,234 · 2026-01-01 00:20:34 UTC" as a button that zooms
 * there, or a line saying the range has none.
 */
export function renderFirstNonFinite(shown: ShownStats | undefined, settling: boolean, zoom: (point: NonFinitePoint) => void) {
  if (!shown) return nothing;
  const point = shown.stats.firstNonFinite;
  if (!point) return html`<p class="first-bad none" part="first-non-finite">First NaN/Inf: none in the visible range.</p>`;
  const text = `First NaN/Inf: step ${steps(point.step)} · ${utc(point.atMs)}`;
  return html`<p class="first-bad ${settling ? 'settling' : ''}" part="first-non-finite">
    <button type="button" @click=${() => zoom(point)} aria-label=${`Zoom to the ${text.charAt(0).toLowerCase()}${text.slice(1)} (${nonFiniteKind(point.value)})`}>${text}</button>
  </p>`;
}

export interface SpikeListInput {
  spikes: readonly Spike[];
  found: number;
  /** The range has more steps than the spike search takes. */
  tooMany: boolean;
  settling: boolean;
  threshold: number;
  checkpoints: readonly Checkpoint[];
  zoom: (spike: Spike) => void;
}

/** Most spike buttons listed; the rest are counted. */
const LISTED = 20;

/** "Spikes (rule): [step 500: 5.18 …] …" and the checkpoints in view, under the statistics. */
export function renderSpikes({ spikes, found, tooMany, settling, threshold, checkpoints, zoom }: SpikeListInput) {
  const rule = `more than ${threshold} × 1.4826 × MAD from the median of the ${2 * SPIKE_HALF_WINDOW + 1} points around`;
  const listed = [...spikes].sort((a, b) => b.score - a.score).slice(0, LISTED).sort((a, b) => a.step - b.step);
  let body;
  if (tooMany) body = html`<span class="none">the range holds more than ${SPIKE_POINT_LIMIT.toLocaleString('en-US')} steps: zoom in to search it.</span>`;
  else if (!found) body = html`<span class="none">none in the visible range.</span>`;
  else {
    body = html`<ul>
        ${listed.map(
          (s) => html`<li>
            <button type="button" @click=${() => zoom(s)} aria-label=${`Zoom to the spike at step ${steps(s.step)}: ${formatValue(s.value)}, median ${formatValue(s.median)}`}>
              step ${steps(s.step)}: ${formatValue(s.value)}
            </button>
          </li>`,
        )}
      </ul>
      ${found > listed.length ? html`<span class="none">and ${(found - listed.length).toLocaleString('en-US')} more</span>` : nothing}`;
  }
  return html`<div class="spikes ${settling ? 'settling' : ''}" part="spikes">
      <span class="label" title=${rule}>Spikes${found ? ` (${found.toLocaleString('en-US')})` : ''}:</span>
      ${body}
      <span class="rule">A spike is ${rule}.</span>
    </div>
    <p class="checkpoints">
      ${checkpoints.length
        ? `Checkpoints in view (dashed lines): ${checkpoints.length.toLocaleString('en-US')}${checkpoints.length <= 12 ? ` at steps ${checkpoints.map((c) => steps(c.step)).join(', ')}` : ''}.`
        : 'No checkpoint in view.'}
    </p>`;
}

import { html, nothing } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatAge, formatDuration, formatStep, formatTime, formatWithUnit } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseWindow } from '../../internal/time-window.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { milestones, parseTargets, rateOf, type Milestone, type Target } from './milestone-bar.model.js';
import { milestonesCsv } from './milestone-bar.csv.js';
import { milestonesQuery, readMilestones, type MilestoneData } from './milestone-bar.queries.js';
import { milestoneBarStyles } from './milestone-bar.styles.js';
import { ClockController } from '../../internal/clock-controller.js';
import { quote } from '../../internal/invalid.js';

type Config = { targets: Target[]; windowSeconds: number } | { error: string };

/**
 * @summary Progress of a cumulative metric (tokens seen) towards milestones, with the time each took and ETAs for the rest.
 *
 * @attr run - The run id (of a comma-separated list, the first). Default: the enclosing `<trainwatch-filters>`' run.
 * @attr metric - A cumulative metric. Default `tokens_total`.
 * @attr targets - Milestones as `label:value` pairs, e.g. `3B:3e9,8B:8e9,70B:7e10,SFT:8e10`; values may be
 *   written 3e9, 3_000_000_000 or 3B / 500M / 2k. Default `3B:3e9,8B:8e9,70B:7e10,SFT:8e10`.
 * @attr rate-window - Recent span the rate (and so the ETAs) is measured over: `10m` (default), `1h`, `all`…
 * @attr unit - Unit of the metric for display. Default `tok`.
 * @attr heading - Title. Default: the metric name.
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * The track has one equal segment per milestone, from the previous target to
 * this one, so 3e9 and 8e10 both read well. Times are counted from the
 * metric's first point; ETAs from its latest point, at the rate of the window.
 * The track is drawn for the eye; screen readers get its one-sentence summary
 * (it is an image with a label) and the list of milestones below it.
 *
 * Export (the ⤓ menu in the header, or `toCSV()`): a CSV line per milestone
 * with its target, status, time and step reached, seconds it took, percent,
 * ETA in seconds and as a time, and the value and time the ETAs count from
 * (full precision, times in ISO 8601 UTC). The element has no row limit, so
 * `toCSV({ raw: true })` is the same.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card.
 * @csspart header - Title, data age and export menu.
 * @csspart export - The export menu's button (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart track - The progress track with the milestone marks.
 * @csspart list - The milestones with their times and ETAs.
 *
 * @cssprop --trainwatch-milestone-color - Fill of the track. Default: the run's colour.
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text.
 */
export class MilestoneBar extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, milestoneBarStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    targets: { type: String, reflect: true },
    rateWindow: { type: String, attribute: 'rate-window', reflect: true },
    unit: { type: String },
    heading: { type: String },
  };

  declare run: string;
  declare metric: string;
  declare targets: string;
  declare rateWindow: string;
  declare unit: string;
  declare heading: string | undefined;

  private readonly data = new RowsController<'milestones'>(this, () => {
    const config = this.config();
    const run = this.runId;
    const queries: Record<string, RowQuery> =
      'error' in config || !run ? {} : { milestones: milestonesQuery(run, this.metric, config.targets.map((t) => t.value), config.windowSeconds) };
    return { source: this.sourceConfig(), queries };
  });

  /** Ages and staleness move with the clock, not only with polls. */
  private readonly clock = new ClockController(this);

  constructor() {
    super();
    this.run = '';
    this.metric = 'tokens_total';
    this.targets = '3B:3e9,8B:8e9,70B:7e10,SFT:8e10';
    this.rateWindow = '10m';
    this.unit = 'tok';
  }

  /** The run shown: the first of its own `run`, else of the enclosing `<trainwatch-filters>`'. */
  get runId(): string {
    return parseList(this.inheritedRun(this.run))[0] ?? '';
  }

  /** The metric as last read (undefined before data). */
  get progress(): MilestoneData | undefined {
    return readMilestones(this.data.rows('milestones')[0]);
  }

  /** Each milestone's state, smallest target first (empty before data or with invalid targets). */
  get milestones(): Milestone[] {
    const config = this.config();
    const data = this.progress;
    return data && !('error' in config) ? milestones(config.targets, data) : [];
  }

  /** True while this element holds a timer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.data.store !== undefined;
  }

  /**
   * The milestones as CSV (RFC 4180, CRLF line ends), smallest target first;
   * only the header line before data. `raw` changes nothing: every milestone
   * is always shown.
   */
  async toCSV(_options: { raw?: boolean } = {}): Promise<string> {
    return milestonesCsv(this.runId, this.metric, this.milestones, this.progress);
  }

  private async exportCsv() {
    download(fileName([this.runId, this.metric, 'milestones'], 'csv'), await this.toCSV());
  }

  protected override willUpdate(): void {
    this.data.sync();
  }

  protected override updated(): void {
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  private config(): Config {
    try {
      if (!this.metric.trim()) return { error: 'metric must name a cumulative metric (default tokens_total).' };
      const interval = this.pollIntervalError();
      if (interval) return { error: interval };
      return { targets: parseTargets(this.targets), windowSeconds: parseWindow(this.rateWindow) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  private computeState(): { state: DataState; message: string } {
    const config = this.config();
    if ('error' in config) return { state: 'error', message: config.error };
    if (!this.runId) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    if (this.progress) return { state: 'ready', message: '' };
    const status = this.data.status;
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    if (status !== 'ready') return { state: 'loading', message: 'Loading…' };
    return { state: 'empty', message: `No ${quote(this.metric)} points for run ${quote(this.runId)} yet.` };
  }

  protected override render() {
    const { state, message } = this.computeState();
    const data = this.progress;
    return html`
      <div part="base" class="base" style="--_fill: var(--trainwatch-milestone-color, ${colorFor(this.runId)})">
        <div class="header" part="header">
          <span class="title">${this.heading ?? this.metric}</span>${data ? this.renderAge(data) : nothing}
          ${state === 'ready' ? renderExportMenu([{ label: 'CSV of the milestones', run: () => this.exportCsv() }], `${this.heading ?? this.metric} milestones`) : nothing}
        </div>
        ${state === 'ready' && data
          ? this.renderProgress(data)
          : html`<p class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</p>`}
      </div>
    `;
  }

  private renderAge(data: MilestoneData) {
    const age = Date.now() - data.lastMs;
    const stale = age > Math.max(60_000, 10 * (this.pollInterval ?? 2000));
    return html`<span class="meta ${stale ? 'stale' : ''}">last point ${formatAge(age)}${stale ? ' · stale' : ''}</span>`;
  }

  private renderProgress(data: MilestoneData) {
    const list = this.milestones;
    const rate = rateOf(data);
    const span = (data.lastMs - data.startMs) / 1000;
    return html`
      ${this.data.status === 'error' ? html`<p class="message error" role="alert">${this.data.error}</p>` : nothing}
      <div>
        <span class="current-value">${formatWithUnit(data.lastValue, this.unit)}</span>
        <span class="rate">${Number.isFinite(rate) ? `${formatWithUnit(rate, `${this.unit}/s`)} over the last ${formatDuration(span)}` : 'rate unknown'}</span>
      </div>
      <div part="track" class="track" role="img" aria-label=${this.trackSummary(list, data)}>
        ${list.map((m, i) => {
          const from = i ? list[i - 1].value : 0;
          const share = Math.max(0, Math.min(1, (data.lastValue - from) / (m.value - from)));
          return html`<div class="segment">
            <div class="fill" style="width:${m.status === 'reached' ? 100 : share * 100}%"></div>
            <span class="mark ${m.status}">${m.label}</span>
          </div>`;
        })}
      </div>
      <ol part="list" aria-label="Milestones">
        ${list.map((m) => html`<li class=${m.status}>
          <span class="label">${m.label}</span>
          <span class="target">${formatWithUnit(m.value, this.unit)}</span>
          <span class="status" title=${Number.isFinite(new Date(data.lastMs + m.etaSeconds * 1000).getTime()) && m.status !== 'reached' ? `expected around ${formatTime(data.lastMs + m.etaSeconds * 1000)} UTC` : nothing}>${this.statusText(m)}</span>
        </li>`)}
      </ol>
    `;
  }

  /** The track in one sentence: how far, how many reached, the next one. */
  private trackSummary(list: Milestone[], data: MilestoneData): string {
    const reached = list.filter((m) => m.status === 'reached').length;
    const next = list.find((m) => m.status === 'current');
    const goal = list.at(-1);
    return [
      `Progress ${formatWithUnit(data.lastValue, this.unit)}${goal ? ` of ${formatWithUnit(goal.value, this.unit)}` : ''}`,
      `${reached} of ${list.length} milestones reached`,
      ...(next ? [`next ${next.label} at ${formatPercent(next.percent)}`] : []),
    ].join(', ');
  }

  private statusText(m: Milestone) {
    if (m.status === 'reached') {
      return html`reached in ${formatDuration(m.tookSeconds)} · <time datetime=${new Date(m.reachedAt).toISOString()}>${formatTime(m.reachedAt)} UTC</time> · step ${formatStep(m.reachedStep)}`;
    }
    const eta = Number.isFinite(m.etaSeconds) ? `ETA ${formatDuration(m.etaSeconds)}` : 'no ETA';
    return m.status === 'current' ? `${formatPercent(m.percent)} · ${eta}` : eta;
  }
}

function formatPercent(p: number): string {
  return `${p < 10 ? p.toFixed(1) : Math.floor(p)}%`;
}

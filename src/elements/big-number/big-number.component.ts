import { html, nothing, svg } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatAge, formatStep } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { parseWindow } from '../../internal/time-window.js';
import { TrainwatchElement } from '../../internal/trainwatch-element.js';
import { got, quote } from '../../internal/invalid.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { changeOver, DIRECTIONS, formatBig, parseThresholds, sparkPath, thresholdLevel, type Direction, type Level } from './big-number.format.js';
import { AGGREGATES, bigNumberQuery, bigNumberRawQuery, readBigNumberRow, SPARK_BUCKETS, type Aggregate, type BigNumberRow } from './big-number.queries.js';
import { bigNumberStyles } from './big-number.styles.js';
import { ClockController } from '../../internal/clock-controller.js';
import { pointsCsv, shownCsv, type ShownRun } from './big-number.export.js';
import { checkRawSize, rawExportLimit, rowsOnce } from '../../store/rows-once.js';

const SPARK_HEIGHT = 24;

/** What a sparkline point is, by aggregate. */
const SPARK_WHAT: Record<Aggregate, string> = { last: 'mean per bucket', mean: 'mean per bucket', max: 'max per bucket', count: 'running count', sum: 'running sum' };

interface Settings {
  window: number;
  staleAfter: number;
  thresholds: number[];
}

/**
 * @summary The latest value of a metric in large type, coloured by thresholds, with a sparkline of the recent window.
 *
 * @attr run - Run id, or several separated by commas: one row per run (each with its own value, change and sparkline). Default: the enclosing `<trainwatch-filters>`' run.
 * @attr host - Only this host's points (for per-host metrics such as `sys.cpu_percent`); empty (default) for every host, or the enclosing `<trainwatch-filters>`' host.
 * @attr metric - Metric name, e.g. `tokens_per_s`, `tokens_total`, `data.bucket`, `checkpoint.saved`.
 * @attr label - Title. Default: the metric name.
 * @attr unit - Unit for formatting; default the table's `unit` column (for `count`: none).
 * @attr decimals - Show this many decimals, unscaled with thousands separators, instead of 3 significant digits with SI steps.
 * @attr window - Sparkline, change and aggregate window: `15m` (default), `1h`, `7d`, `all`. Default `all` for `aggregate="count"`; inside `<trainwatch-filters>` with a window, that one. It ends at each run's newest point of the metric.
 * @attr aggregate - `last` (default: the latest point), `count`, `sum`, `max` or `mean` of the points in the window.
 * @attr thresholds - One or two numbers, `"70,90"`: green / yellow / red by which side the value is on. A value exactly at a threshold counts on the better side.
 * @attr direction - `higher-is-better` (default) or `lower-is-better`.
 * @attr stale-after - No point for this long (by the clock) greys the value out: `5m` (default; `never` for `aggregate="count"`), or `never`.
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * The sparkline cuts the window (from the run's first point at the earliest)
 * into 60 time buckets: the mean of each for `last` and `mean`, the max for
 * `max`, a running total for `count` and `sum`.
 *
 * NaN and ±Inf are shown as such, in red. The change (▲ 3.2%) compares the
 * latest point with the window's first, for `aggregate="last"` only; it is
 * green when it goes the `direction`'s way.
 *
 * Several runs are told apart by their page colour (`colorFor`), the same in
 * every element. Threshold colours have a lighter variant in the dark theme,
 * so the change text keeps its contrast there.
 *
 * **Export** (the header's menu, or the methods): `toCSV()` one `value` row
 * per run (aggregate, time and step of its latest point, value, unit) then its
 * `sparkline` points (bucket start, value); `toCSV({ raw: true })` every point
 * of the window as logged (run, step, time, value, unit).
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card.
 * @csspart header - The title and the export menu.
 * @csspart export - The export menu's disclosure (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart value - The big number (one per run).
 * @csspart sparkline - The sparkline SVG (one per run).
 *
 * @cssprop --trainwatch-big-number-size - Font size of the value (default 36px; rows of several runs use 60 %).
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text, stale values.
 * @cssprop --trainwatch-border-color - Card border.
 * @cssprop --trainwatch-error-color - Errors and the stale mark.
 * @cssprop --trainwatch-font-family - Font.
 * @cssprop --trainwatch-radius - Card corner radius.
 */
export class BigNumber extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, bigNumberStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    host: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    label: { type: String },
    unit: { type: String },
    decimals: { type: Number },
    window: { type: String, reflect: true },
    aggregate: { type: String, reflect: true },
    thresholds: { type: String, reflect: true },
    direction: { type: String, reflect: true },
    staleAfter: { type: String, attribute: 'stale-after' },
  };

  declare run: string;
  /** Unset: every host, or the enclosing filters' host. */
  declare host: string | undefined;
  declare metric: string;
  declare label: string | undefined;
  declare unit: string | undefined;
  declare decimals: number | undefined;
  declare window: string | undefined;
  declare aggregate: Aggregate;
  declare thresholds: string;
  declare direction: Direction;
  /** Unset: `5m`, or `never` for `aggregate="count"`. */
  declare staleAfter: string | undefined;

  private readonly data = new RowsController<'big-number'>(this, () => {
    const settings = this.settings();
    const queries: Record<string, RowQuery> =
      typeof settings === 'string' || !this.runs.length || !this.metric
        ? {}
        : { 'big-number': bigNumberQuery(this.runs, this.metric, settings.window, this.aggregate, this.shownHost) };
    return { source: this.sourceConfig(), queries };
  });

  /** Ages and staleness move with the clock, not only with polls. */
  private readonly clock = new ClockController(this);

  private exportError = '';

  constructor() {
    super();
    this.run = '';
    this.metric = '';
    this.aggregate = 'last';
    this.thresholds = '';
    this.direction = 'higher-is-better';
  }

  /** The runs shown: its own `run`, else the enclosing filters'. */
  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  /** The host shown: its own `host`, else the enclosing filters'; empty for every host. */
  get shownHost(): string {
    return this.inheritedHost(this.host);
  }

  /** The window as written: its own `window`, else the enclosing filters', else `all` for counts and `15m` otherwise. */
  get shownWindow(): string {
    return this.inheritedWindow(this.window, this.aggregate === 'count' ? 'all' : '15m').trim();
  }

  /** The rows shown, one per run that has points, as numbers. */
  get values(): BigNumberRow[] {
    return this.data.rows('big-number').map(readBigNumberRow);
  }

  /** True while this element holds a timer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.data.store !== undefined;
  }

  protected override willUpdate(): void {
    this.data.sync();
  }

  protected override updated(): void {
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  /** Parsed attributes, or the message saying which one is wrong. */
  private settings(): Settings | string {
    try {
      if (!AGGREGATES.includes(this.aggregate)) return `aggregate must be one of ${AGGREGATES.join(', ')}; ${got(this.aggregate)}.`;
      if (!DIRECTIONS.includes(this.direction)) return `direction must be ${DIRECTIONS.join(' or ')}; ${got(this.direction)}.`;
      if (this.decimals != null && !(Number.isInteger(this.decimals) && this.decimals >= 0 && this.decimals <= 10)) {
        return `decimals must be a whole number from 0 to 10; ${got(this.getAttribute('decimals') ?? this.decimals)}.`;
      }
      const interval = this.pollIntervalError();
      if (interval) return interval;
      const window = parseWindow(this.shownWindow);
      const thresholds = parseThresholds(this.thresholds);
      // Counts are of sparse events (checkpoints): a quiet spell is not stale data.
      const stale = (this.staleAfter ?? (this.aggregate === 'count' ? 'never' : '5m')).trim().toLowerCase();
      let staleAfter = 0;
      if (stale !== 'never') {
        try {
          staleAfter = stale ? parseWindow(stale) : 0;
        } catch {
          return `stale-after must be a duration such as 30s, 5m or 1h, or "never"; ${got(stale)}.`;
        }
      }
      return { window, staleAfter, thresholds };
    } catch (error) {
      return (error as Error).message;
    }
  }

  private computeState(): { state: 'loading' | 'ready' | 'empty' | 'error'; message: string } {
    const settings = this.settings();
    if (typeof settings === 'string') return { state: 'error', message: settings };
    if (!this.runs.length) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    if (!this.metric) return { state: 'empty', message: 'No metric selected: set the metric attribute.' };
    const rows = this.data.rows('big-number');
    if (this.data.status === 'error' && !rows.length) return { state: 'error', message: this.data.error ?? 'Error' };
    if (this.data.status !== 'ready' && !rows.length) return { state: 'loading', message: 'Loading…' };
    if (!rows.length) {
      const runs = this.runs.map(quote).join(', ');
      const host = this.shownHost ? ` on host ${quote(this.shownHost)}` : '';
      return { state: 'empty', message: `No ${quote(this.metric)} points for run ${runs}${host}.` };
    }
    return { state: 'ready', message: '' };
  }

  private windowLabel(seconds: number): string {
    return seconds === 0 ? 'all' : this.shownWindow;
  }

  /** What one run's row shows besides its value: unit, an empty window, the aggregate in words. */
  private describe(row: BigNumberRow, settings: Settings): ShownRun {
    const aggregate = this.aggregate;
    const windowText = this.windowLabel(settings.window);
    return {
      row,
      unit: this.unit ?? (aggregate === 'count' ? '' : row.unit),
      empty: aggregate !== 'last' && aggregate !== 'count' && row.count === 0,
      aggregate: aggregate === 'last' ? 'last' : `${aggregate} over ${windowText === 'all' ? 'all points' : windowText}`,
      spark: SPARK_WHAT[aggregate],
    };
  }

  /** The runs shown with data, in the order of the run attribute. */
  private shownRuns(settings: Settings): ShownRun[] {
    const rows = this.values;
    return this.runs.flatMap((run) => {
      const row = rows.find((r) => r.run === run);
      return row ? [this.describe(row, settings)] : [];
    });
  }

  /**
   * CSV of what is shown: per run a `value` row (aggregate, time and step of
   * the latest point, value, unit), then its `sparkline` points (bucket start,
   * value). With `raw`, every point of the window as logged (run, step, time,
   * value, unit), read again from the source; it rejects with a message past
   * 100,000 points.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const settings = this.settings();
    const ready = this.computeState().state === 'ready' && typeof settings !== 'string';
    if (!options.raw) return shownCsv(ready ? this.shownRuns(settings) : []);
    if (!ready) return pointsCsv([]);
    const limit = rawExportLimit.rows;
    const rows = await rowsOnce(this.sourceConfig(), bigNumberRawQuery(this.runs, this.metric, settings.window, limit, this.shownHost));
    checkRawSize(rows, limit, 'points');
    return pointsCsv(rows);
  }

  private async runExport(raw: boolean) {
    this.exportError = '';
    this.requestUpdate();
    try {
      const stem = [this.label ?? this.metric, ...this.runs.slice(0, 3), raw ? 'raw' : ''].filter(Boolean);
      download(fileName(stem, 'csv'), await this.toCSV({ raw }));
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
      this.requestUpdate();
    }
  }

  protected override render() {
    const { state, message } = this.computeState();
    const settings = this.settings();
    const title = this.label ?? (this.metric || 'big-number');
    const rows = state === 'ready' && typeof settings !== 'string' ? this.values : [];
    const single = this.runs.length === 1;
    const now = Date.now();
    return html`
      <div part="base" class="base ${single ? 'single' : 'multi'}">
        <div class="header" part="header">
          <span class="title" title=${title}>${title}</span>
          ${this.shownHost ? html`<span class="meta">host ${this.shownHost}</span>` : nothing}
          ${state === 'ready'
            ? renderExportMenu(
                [
                  { label: 'CSV of what is shown', run: () => this.runExport(false) },
                  { label: 'CSV of the raw points', run: () => this.runExport(true) },
                ],
                title,
              )
            : nothing}
        </div>
        ${state === 'ready' && this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${state === 'ready' && typeof settings !== 'string'
          ? html`<div class="runs">
              ${this.runs.map((run) => {
                const row = rows.find((r) => r.run === run);
                return row ? this.renderRun(row, settings, single, now) : single ? nothing : this.renderMissing(run);
              })}
            </div>`
          : html`<div class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</div>`}
      </div>
    `;
  }

  private renderAge(row: BigNumberRow, settings: Settings, now: number) {
    const stale = this.isStale(row, settings, now);
    return html`<span class="age ${stale ? 'stale' : ''}">step ${formatStep(row.lastStep)} · ${formatAge(now - row.lastTime)}${stale ? ' · stale' : ''}</span>`;
  }

  private isStale(row: BigNumberRow, settings: Settings, now: number): boolean {
    return settings.staleAfter > 0 && now - row.lastTime > settings.staleAfter * 1000;
  }

  private renderMissing(run: string) {
    return html`<div class="run missing">
      <span class="name"><span class="swatch" style="background:${colorFor(run)}"></span>${run}</span>
      <span part="value" class="value level-muted">–</span>
      <span class="note">no data</span>
    </div>`;
  }

  private renderRun(row: BigNumberRow, settings: Settings, single: boolean, now: number) {
    const aggregate = this.aggregate;
    const { unit, empty } = this.describe(row, settings);
    const stale = this.isStale(row, settings, now);
    const level: Level = empty ? 'muted' : !Number.isFinite(row.value) ? 'bad' : stale ? 'muted' : thresholdLevel(row.value, settings.thresholds, this.direction);
    const text = empty ? '–' : formatBig(row.value, unit, this.decimals ?? undefined);
    const windowText = this.windowLabel(settings.window);
    const change = aggregate === 'last' && row.count >= 2 ? changeOver(row.first, row.last, unit, this.direction) : undefined;
    const color = level === 'none' ? colorFor(row.run) : undefined;
    const caption = empty ? `no points in ${windowText}` : aggregate === 'last' ? '' : `${aggregate} over ${windowText === 'all' ? 'all points' : windowText}`;
    return html`<div class="run">
      ${single ? nothing : html`<span class="name" title=${row.run}><span class="swatch" style="background:${colorFor(row.run)}"></span>${row.run}</span>`}
      <span class="figure">
        <span part="value" class="value level-${level}" data-level=${level}>${text}</span>
        ${change
          ? html`<span class="sr-only">change over ${windowText}:</span
              ><span class="change ${change.better === undefined ? '' : change.better ? 'better' : 'worse'}" title=${`change over ${windowText}`}>${change.text}</span>`
          : nothing}
      </span>
      ${this.renderSparkline(row, level, color, windowText, unit)}
      <span class="caption">${caption}${caption ? ' · ' : ''}${this.renderAge(row, settings, now)}</span>
    </div>`;
  }

  private renderSparkline(row: BigNumberRow, level: Level, color: string | undefined, windowText: string, unit: string) {
    const { d, points } = sparkPath(row.sparkX, row.sparkY, SPARK_HEIGHT);
    const finite = row.sparkY.filter(Number.isFinite);
    const f = (v: number) => formatBig(v, unit, this.decimals ?? undefined);
    const shape = finite.length
      ? `, first ${f(finite[0])}, last ${f(finite[finite.length - 1])}, lowest ${f(Math.min(...finite))}, highest ${f(Math.max(...finite))}`
      : '';
    const whose = this.runs.length > 1 ? ` of ${row.run}` : '';
    const label = `Sparkline${whose}, ${SPARK_WHAT[this.aggregate]} over ${windowText}: ${points} point${points === 1 ? '' : 's'}${shape}`;
    return html`<svg
      part="sparkline"
      class="sparkline level-${level}"
      style=${color ? `color:${color}` : ''}
      viewBox="-1 -2 ${SPARK_BUCKETS + 1} ${SPARK_HEIGHT + 4}"
      preserveAspectRatio="none"
      role="img"
      aria-label=${label}
      data-points=${points}
    >
      ${d ? svg`<path d=${d}></path>` : nothing}
    </svg>`;
  }
}

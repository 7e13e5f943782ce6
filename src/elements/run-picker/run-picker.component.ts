import { html, nothing, type PropertyValues } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatAge, formatStep, toNumber } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { TrainwatchElement } from '../../internal/trainwatch-element.js';
import { got } from '../../internal/invalid.js';
import type { QueryRow } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { parseList } from '../../internal/list.js';
import { rowsOnce } from '../../store/rows-once.js';
import { runsCsv } from './run-picker.csv.js';
import { runsQuery } from './run-picker.queries.js';
import { runPickerStyles } from './run-picker.styles.js';
import { ClockController } from '../../internal/clock-controller.js';

export type RunStatus = 'live' | 'stale' | 'finished' | 'failed';

export interface RunSummary {
  run: string;
  status: RunStatus;
  /** Why a run failed, from its `run.status` tags. */
  reason: string;
  firstMs: number;
  lastMs: number;
  lastStep: number;
}

export interface RunsChangeDetail {
  runs: string[];
}

/**
 * @summary The runs in the table as badges in their page-wide colours: pick which ones the page shows.
 *
 * Lists every run, newest report first, with its status: `finished` or
 * `failed` from its latest `run.status` row (docs/data-contract.md),
 * otherwise `live` while it reported within `stale-after` seconds and `stale`
 * after. The runs are a list of toggle buttons (`aria-pressed`), each in the
 * run's page-wide colour: click, Space or Enter toggles the run.
 *
 * Inside `<trainwatch-filters>` the picker shows and sets the filters' runs
 * (its `trainwatch-runs-change` sets them, and `selected` follows them); when
 * they name no run, it gives them its `selected` runs, or the first
 * `default-count` once the runs load, once.
 *
 * Export (the ⤓ menu, or `toCSV()`): CSV of the runs listed, newest report
 * first, with status, failure reason, whether selected, first and last report
 * (ISO 8601 UTC) and last step. `toCSV({ raw: true })` asks for every run in
 * the table regardless of `limit`, up to `RunPicker.rawRowLimit` (100,000);
 * more fails with a message.
 *
 * @attr selected - Comma-separated selected runs. Unset: the first `default-count` runs once they load (inside `<trainwatch-filters>`: the filters' runs).
 * @attr default-count - Runs selected when `selected` is unset (default 2).
 * @attr status-metric - Metric carrying run status (default `run.status`).
 * @attr stale-after - Seconds without a report before a running run shows as stale (default 60).
 * @attr limit - Most runs listed (default 50, at most 1000).
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-runs-change - The selection changed; `detail` is `{ runs }`.
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The bar around the badges.
 * @csspart badge - Each run's button.
 * @csspart export - The export menu's button (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 *
 * @cssprop --trainwatch-background - Bar background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text.
 * @cssprop --trainwatch-border-color - Bar and badge borders.
 */
export class RunPicker extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, runPickerStyles];

  /** Most runs `toCSV({ raw: true })` fetches; more fails with a message instead. */
  static rawRowLimit = 100_000;

  static override properties = {
    ...TrainwatchElement.properties,
    selected: { type: String, reflect: true },
    defaultCount: { type: Number, attribute: 'default-count' },
    statusMetric: { type: String, attribute: 'status-metric' },
    staleAfter: { type: Number, attribute: 'stale-after' },
    limit: { type: Number },
    exportError: { state: true },
  };

  declare selected: string | undefined;
  declare defaultCount: number;
  declare statusMetric: string;
  declare staleAfter: number;
  declare limit: number;
  private declare exportError: string;

  private readonly data = new RowsController<'runs'>(this, () => ({
    source: this.sourceConfig(),
    queries: this.configError() ? {} : { runs: runsQuery(this.statusMetric, this.listLimit) },
  }));

  constructor() {
    super();
    // Ages and live/stale move with the clock, not only with polls.
    new ClockController(this, 5000);
    this.defaultCount = 2;
    this.statusMetric = 'run.status';
    this.staleAfter = 60;
    this.limit = 50;
    this.exportError = '';
  }

  /** `limit` as used: a whole number from 1 to 1000, 50 when unreadable. */
  private get listLimit(): number {
    return Math.min(1000, Math.max(1, Math.floor(this.limit) || 50));
  }

  /** What is wrong with the attributes, if anything (shown as the error). */
  private configError(): string | undefined {
    if (!(Number.isInteger(this.defaultCount) && this.defaultCount >= 0)) return `default-count must be a whole number ≥ 0; ${got(this.getAttribute('default-count') ?? this.defaultCount)}.`;
    if (!(this.staleAfter > 0)) return `stale-after must be a number of seconds above 0; ${got(this.getAttribute('stale-after') ?? this.staleAfter)}.`;
    return this.pollIntervalError();
  }

  /** Inside filters without runs, the picker gives them its selection, once. */
  private seeded = false;

  /** The selected runs: the enclosing `<trainwatch-filters>`' runs inside one, else `selected`. */
  get runs(): string[] {
    return parseList(this.pageFilters ? this.pageFilters.run : this.selected);
  }

  /** The runs as last loaded, newest first. */
  get summaries(): RunSummary[] {
    return this.summarize(this.data.rows('runs'));
  }

  private summarize(rows: readonly QueryRow[]): RunSummary[] {
    const now = Date.now();
    return rows.map((row) => {
      const lastMs = toNumber(row.last_ms);
      const reported = String(row.status ?? '');
      const status: RunStatus =
        reported === 'finished' || reported === 'failed' ? reported : now - lastMs <= this.staleAfter * 1000 ? 'live' : 'stale';
      return { run: String(row.run), status, reason: String(row.reason ?? ''), firstMs: toNumber(row.first_ms), lastMs, lastStep: toNumber(row.last_step) };
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.data.sync();
    const error = this.configError();
    if (error) return this.announce('error', error);
    const summaries = this.summaries;
    const firstRuns = () => summaries.slice(0, Math.max(0, this.defaultCount)).map((s) => s.run);
    if (this.pageFilters) {
      const shown = this.runs.join(',');
      if (shown) {
        this.seeded = true;
        this.selected = shown;
      } else if (!this.seeded && (summaries.length || parseList(this.selected).length)) {
        this.seeded = true;
        const own = this.selected === undefined ? firstRuns() : parseList(this.selected);
        if (own.length) this.select(own);
      }
    } else if (this.selected === undefined && summaries.length) {
      this.select(firstRuns());
    }
    const status = this.data.status;
    if (status === 'error') this.announce('error', this.data.error ?? 'Error');
    else if (status === 'ready') this.announce(summaries.length ? 'ready' : 'empty', summaries.length ? '' : 'No runs in the table yet.');
    else this.announce('loading', 'Loading runs…');
    void changed;
  }

  /**
   * The runs as CSV (RFC 4180, CRLF line ends), newest report first. By
   * default the runs listed (at most `limit`); with `raw`, every run in the
   * table from a fresh query, up to `RunPicker.rawRowLimit` (more rejects with
   * a message). Only the header line before the runs load.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const selected = new Set(this.runs);
    if (!options.raw) return runsCsv(this.summaries, selected);
    const max = (this.constructor as typeof RunPicker).rawRowLimit;
    const rows = await rowsOnce(this.sourceConfig(), runsQuery(this.statusMetric, max + 1));
    if (rows.length > max) throw new Error(`More than ${max.toLocaleString('en-US')} runs: too many for one CSV.`);
    return runsCsv(this.summarize(rows), selected);
  }

  private async exportCsv(raw: boolean) {
    try {
      const csv = await this.toCSV({ raw });
      this.exportError = '';
      download(fileName(['runs', ...(raw ? ['all'] : [])], 'csv'), csv);
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
    }
  }

  /** Sets the selection and tells the page. */
  select(runs: string[]): void {
    const next = [...new Set(runs)].join(',');
    if (next === this.runs.join(',') && this.selected !== undefined) return;
    this.selected = next;
    // The new selection itself: inside filters, `runs` shows theirs until they take it.
    this.dispatchEvent(new CustomEvent<RunsChangeDetail>('trainwatch-runs-change', { detail: { runs: parseList(next) }, bubbles: true, composed: true }));
  }

  private toggle(run: string) {
    const current = this.runs;
    this.select(current.includes(run) ? current.filter((r) => r !== run) : [...current, run]);
  }

  protected override render() {
    const summaries = this.summaries;
    const chosen = new Set(this.runs);
    const now = Date.now();
    return html`<div class="base" part="base">
      ${this.state === 'error' || this.state === 'empty' || this.state === 'loading'
        ? html`<div class="message ${this.state}" role=${this.state === 'error' ? 'alert' : 'status'}>${this.stateMessage}</div>`
        : nothing}
      ${summaries.length
        ? html`<ul aria-label="Runs">
            ${summaries.map(
              (s) => html`<li>
                <button
                  type="button"
                  part="badge"
                  style="--_run: ${colorFor(s.run)}"
                  aria-pressed=${chosen.has(s.run) ? 'true' : 'false'}
                  title=${s.reason ? `${s.run}: ${s.reason}` : s.run}
                  @click=${() => this.toggle(s.run)}
                >
                  <span class="dot" aria-hidden="true"></span>
                  <span class="name">${s.run}</span>
                  <span class="status ${s.status}">${s.status}</span>
                  <span class="detail">step ${formatStep(s.lastStep)} · ${formatAge(Math.max(0, now - s.lastMs))}</span>
                </button>
              </li>`,
            )}
          </ul>`
        : nothing}
      ${summaries.length
        ? renderExportMenu(
            [
              { label: 'CSV of the runs listed', run: () => this.exportCsv(false) },
              { label: 'CSV of all runs', run: () => this.exportCsv(true) },
            ],
            'run list',
          )
        : nothing}
      ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
    </div>`;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-runs-change': CustomEvent<RunsChangeDetail>;
  }
}

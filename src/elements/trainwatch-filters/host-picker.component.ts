import { css, html, nothing } from 'lit';
import { toNumber } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName, isoTime, toCsv } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { parseWindow } from '../../internal/time-window.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { checkRawSize, rawExportLimit, rowsOnce } from '../../store/rows-once.js';
import { hostsQuery } from './host-picker.queries.js';

export interface HostChangeDetail {
  /** The host chosen; empty for every host. */
  host: string;
}

export interface HostSummary {
  host: string;
  /** Points the host reported in the window. */
  points: number;
  /** Its last report in the window, epoch ms. */
  lastMs: number;
}

const CSV_COLUMNS = ['host', 'points', 'last_time', 'selected'] as const;

/**
 * @summary A host selector: the hosts that reported for the runs in the window, and "All hosts".
 *
 * A native `<select>` listing, by name, the hosts with points for the runs in
 * the window (at most 1000), after "All hosts". Choosing one fires
 * `trainwatch-host-change`; inside `<trainwatch-filters>` that sets the
 * filters' `host`, which `<gpu-util>` and `<big-number>` follow, and the
 * picker shows the filters' host (a host with no data in the window stays
 * listed, marked so). Outside filters it shows its own `value`.
 *
 * Export (the ⤓ menu, or `toCSV()`): CSV of the hosts listed (host, points in
 * the window, last report in ISO 8601 UTC, whether selected);
 * `toCSV({ raw: true })` reads them again without the 1000-host limit, up
 * to 100,000.
 *
 * @attr run - Run ids, comma-separated, whose hosts are listed. Default: the enclosing filters' runs.
 * @attr window - Time window the hosts reported in: `15m`, `1h`, `7d`, `all` (default; or the enclosing filters' window).
 * @attr value - The chosen host outside `<trainwatch-filters>`; empty (default) for every host.
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-host-change - A host was chosen; `detail` is `{ host }` (empty for every host).
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The bar around the selector.
 * @csspart select - The `<select>`.
 * @csspart export - The export menu's button (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 *
 * @cssprop --trainwatch-background - Bar background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Label and messages.
 * @cssprop --trainwatch-border-color - Bar and selector borders.
 */
export class HostPicker extends TrainwatchElement {
  static override styles = [
    themeStyles,
    cardStyles,
    exportMenuStyles,
    css`
      :host {
        display: inline-block;
        min-width: 0;
      }
      .base {
        display: inline-flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px;
        padding: 4px 8px;
      }
      label {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        font-size: 12px;
        color: var(--_muted);
      }
      select {
        font: inherit;
        color: var(--_fg);
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: 4px;
        padding: 2px 4px;
        max-width: 24em;
        min-height: 24px;
      }
      .message {
        padding: 0;
        font-size: 12px;
        text-align: left;
      }
    `,
  ];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    window: { type: String, reflect: true },
    value: { type: String, reflect: true },
    exportError: { state: true },
  };

  declare run: string;
  declare window: string | undefined;
  declare value: string;
  private declare exportError: string;

  private readonly data = new RowsController<'hosts'>(this, () => {
    const window = this.windowSeconds();
    const runs = this.runs;
    const queries: Record<string, RowQuery> = typeof window === 'string' || !runs.length ? {} : { hosts: hostsQuery(runs, window) };
    return { source: this.sourceConfig(), queries };
  });

  constructor() {
    super();
    this.run = '';
    this.value = '';
    this.exportError = '';
  }

  /** The runs whose hosts are listed: its own `run`, else the enclosing filters'. */
  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  /** The host shown as chosen: the enclosing filters' host inside `<trainwatch-filters>`, else `value`; empty for every host. */
  get selectedHost(): string {
    return this.pageFilters ? (this.pageFilters.host?.trim() ?? '') : (this.value ?? '').trim();
  }

  /** The hosts as last loaded, by name. */
  get hosts(): HostSummary[] {
    return this.data.rows('hosts').map(readHost);
  }

  private windowSeconds(): number | string {
    try {
      const interval = this.pollIntervalError();
      if (interval) return interval;
      return parseWindow(this.inheritedWindow(this.window, 'all'));
    } catch (error) {
      return (error as Error).message;
    }
  }

  protected override willUpdate(): void {
    this.data.sync();
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  private computeState(): { state: DataState; message: string } {
    const window = this.windowSeconds();
    if (typeof window === 'string') return { state: 'error', message: window };
    if (!this.runs.length) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    const status = this.data.status;
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    if (status !== 'ready') return { state: 'loading', message: 'Loading hosts…' };
    return this.hosts.length ? { state: 'ready', message: '' } : { state: 'empty', message: 'No host reported for these runs in the window.' };
  }

  /** Sets the chosen host and tells the page. */
  select(host: string): void {
    const next = host.trim();
    if (next === this.selectedHost) return;
    this.value = next;
    this.dispatchEvent(new CustomEvent<HostChangeDetail>('trainwatch-host-change', { detail: { host: next }, bubbles: true, composed: true }));
  }

  protected override updated(): void {
    // The options' `selected` attributes set the choice only until the user changes it; the value keeps it true after.
    const select = this.renderRoot.querySelector('select');
    if (select && select.value !== this.selectedHost) select.value = this.selectedHost;
  }

  /**
   * The hosts as CSV (RFC 4180, CRLF line ends), by name. With `raw`, read
   * again without the picker's 1000-host limit, up to 100,000 (more rejects
   * with a message). Only the header line without runs.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const window = this.windowSeconds();
    let hosts = this.hosts;
    if (options.raw) {
      if (typeof window === 'string' || !this.runs.length) return hostsCsv([], '');
      const limit = rawExportLimit.rows;
      const rows = await rowsOnce(this.sourceConfig(), hostsQuery(this.runs, window, limit + 1));
      checkRawSize(rows, limit, 'hosts');
      hosts = rows.map(readHost);
    }
    return hostsCsv(hosts, this.selectedHost);
  }

  private async exportCsv(raw: boolean) {
    try {
      const csv = await this.toCSV({ raw });
      this.exportError = '';
      download(fileName(['hosts', ...this.runs.slice(0, 3), ...(raw ? ['all'] : [])], 'csv'), csv);
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
    }
  }

  protected override render() {
    const chosen = this.selectedHost;
    const hosts = this.hosts.map((h) => h.host);
    const missing = chosen && !hosts.includes(chosen);
    return html`<div class="base" part="base">
      <label>
        <span>Host</span>
        <select part="select" @change=${(event: Event) => this.select((event.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${chosen === ''}>All hosts</option>
          ${missing ? html`<option value=${chosen} selected>${chosen} (no data)</option>` : nothing}
          ${hosts.map((host) => html`<option value=${host} ?selected=${host === chosen}>${host}</option>`)}
        </select>
      </label>
      ${this.state === 'ready'
        ? nothing
        : html`<span class="message ${this.state}" role=${this.state === 'error' ? 'alert' : 'status'}>${this.stateMessage}</span>`}
      ${hosts.length
        ? renderExportMenu(
            [
              { label: 'CSV of the hosts listed', run: () => this.exportCsv(false) },
              { label: 'CSV of all hosts', run: () => this.exportCsv(true) },
            ],
            'host list',
          )
        : nothing}
      ${this.exportError ? html`<span class="message error" role="alert">${this.exportError}</span>` : nothing}
    </div>`;
  }
}

function readHost(row: QueryRow): HostSummary {
  return { host: String(row.h ?? ''), points: toNumber(row.n), lastMs: toNumber(row.last_ms) };
}

function hostsCsv(hosts: readonly HostSummary[], selected: string): string {
  return toCsv(
    CSV_COLUMNS,
    hosts.map((h) => [h.host, h.points, isoTime(h.lastMs), h.host === selected]),
  );
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-host-change': CustomEvent<HostChangeDetail>;
  }
}

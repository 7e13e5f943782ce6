/**
 * The frame the store-series line charts (`<loss-chart>`, `<metric-detail>`)
 * draw around their plot alike: the header (title, "Reset zoom", data age,
 * export menu), the focusable plot area with its state overlay, the keys and
 * the polite live region for screen readers, and what the export menu runs.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { download, fileName } from '../internal/export.js';
import { renderExportMenu } from '../internal/export-menu.js';
import type { DataState } from '../internal/trainwatch-element.js';
import { formatAge, formatCount } from './format.js';

export type ChartExport = 'png' | 'shown' | 'raw';

export interface ChartHeadInput {
  title: string;
  /** Shows "Reset zoom", which calls this. */
  reset?: () => void;
  /** Ms since the newest point (NaN: none), and whether that is stale. */
  age: number;
  stale: boolean;
  /** The export menu's action, once there is something to export. */
  exports?: (kind: ChartExport) => void;
}

export function renderChartHead({ title, reset, age, stale, exports }: ChartHeadInput): TemplateResult {
  return html`<div class="header" part="header">
    <span class="title">${title}</span>
    ${reset ? html`<button type="button" class="reset" part="reset-zoom" @click=${reset}>Reset zoom</button>` : nothing}
    ${Number.isFinite(age) ? html`<span class="meta ${stale ? 'stale' : ''}">last point ${formatAge(age)}${stale ? ' · stale' : ''}</span>` : nothing}
    ${exports
      ? renderExportMenu(
          [
            { label: 'PNG image', run: () => exports('png') },
            { label: 'CSV of what is shown', run: () => exports('shown') },
            { label: 'CSV of raw points in range', run: () => exports('raw') },
          ],
          `${title} chart`,
        )
      : nothing}
  </div>`;
}

export interface ChartPlotInput {
  /** The plot's accessible name: the title and a short summary (or the state's message). */
  label: string;
  state: DataState;
  message: string;
  onKey: (event: KeyboardEvent) => void;
}

/** The plot area (uPlot mounts in `.plot-mount`), described by `#summary` (the element's) and `#keys`. */
export function renderChartPlot({ label, state, message, onKey }: ChartPlotInput): TemplateResult {
  return html`<div part="plot" class="plot" role="img" tabindex="0" aria-label=${label} aria-describedby="summary keys" @keydown=${onKey}>
    <div class="plot-mount"></div>
    <div class="tooltip" hidden></div>
    ${state === 'ready' ? nothing : html`<div class="overlay ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</div>`}
  </div>`;
}

/** The keys in words, and the polite live region (zoom changes, export results). */
export function renderChartAria(liveText: string): TemplateResult {
  return html`<p id="keys" class="sr-only">Keys: plus zooms in, minus zooms out, left and right arrows pan when zoomed, 0 resets the zoom.</p>
    <div class="sr-only" role="status" aria-live="polite">${liveText}</div>`;
}

export interface ChartExporter {
  /** Words of the file name. */
  stem: string[];
  toPNG(): Promise<Blob>;
  toCSV(options: { raw?: boolean }): Promise<string>;
  /** Says the outcome politely. */
  say(message: string): void;
}

/** Runs an export entry: downloads the file and says so, or returns the sentence to show when it failed. */
export async function runChartExport(kind: ChartExport, { stem, toPNG, toCSV, say }: ChartExporter): Promise<string> {
  try {
    if (kind === 'png') {
      download(fileName(stem, 'png'), await toPNG());
      say('PNG image downloaded.');
    } else {
      if (kind === 'raw') say('Fetching the raw points…');
      const csv = await toCSV({ raw: kind === 'raw' });
      download(fileName([...stem, kind], 'csv'), csv);
      const rows = csv.split('\r\n').length - 2;
      say(`CSV downloaded: ${formatCount(rows)} ${kind === 'raw' ? 'raw ' : ''}point${rows === 1 ? '' : 's'}.`);
    }
    return '';
  } catch (error) {
    say('');
    return `Export failed: ${(error as Error).message}`;
  }
}

import { html, nothing, type PropertyValues } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatCount, formatStep, formatValue } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import { got } from '../../internal/invalid.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { rowsOnce } from '../../store/rows-once.js';
import { samplesCsv } from './sample-viewer.csv.js';
import { readSample, readStep, sampleStepsQuery, samplesQuery, type Sample, type StepCount } from './sample-viewer.queries.js';
import { sampleViewerStyles } from './sample-viewer.styles.js';

/** Text longer than this (characters or lines) starts collapsed. */
const LONG_CHARS = 600;
const LONG_LINES = 12;

const isLong = (text: string) => text.length > LONG_CHARS || text.split('\n').length > LONG_LINES;

/** " · mean score 0.496" over the finite scores shown, or nothing. */
function meanScore(samples: Sample[]): string {
  const finite = samples.map((s) => s.score).filter(Number.isFinite);
  return finite.length > 1 ? ` · mean score ${formatValue(finite.reduce((a, b) => a + b, 0) / finite.length)}` : '';
}

/**
 * @summary Generated samples of a run, step by step: prompt, completion and scores as cards.
 *
 * @attr run - Run id (of a comma-separated list, the first). Default: the enclosing `<trainwatch-filters>`' run.
 * @attr metric - Metric whose rows are samples. Default `sample`; the value is the main score.
 * @attr prompt-field - `tags_json` field of the prompt. Default `prompt`.
 * @attr completion-field - `tags_json` field of the completion. Default `completion`.
 * @attr scores-field - `tags_json` field of the object of named scores. Default `scores`.
 * @attr limit - Most samples shown per step (default 20, at most 1000).
 * @attr step - The step shown. Unset (default): the newest step, following new ones live. Picking a step sets it; "Latest" clears it.
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * The step list holds the 500 newest steps with samples. Everything from
 * `tags_json` is shown as text; a sample whose `tags_json` is not a JSON
 * object says "(malformed tags_json)" and shows the raw text.
 *
 * Export (the ⤓ menu in the header, or `toCSV()`): CSV of the samples shown,
 * a line each with run, step, time (ISO 8601 UTC), the main score at full
 * precision, prompt and completion as written, a `scores.<name>` column per
 * named score, and `raw_tags_json` when a sample's tags were malformed. The
 * "all samples of this step" entry (`toCSV({ raw: true })`) asks again for
 * every sample of the step regardless of `limit`, up to
 * `SampleViewer.rawRowLimit` (10,000); more fails with a message.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card.
 * @csspart header - Title, live/pinned note and export menu.
 * @csspart export - The export menu's button (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart controls - The step selector: older / newer buttons, the step list, "Latest".
 * @csspart sample - One sample's card.
 *
 * @cssprop --trainwatch-sample-text-height - Height of a collapsed long prompt or completion (default 14em).
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text.
 * @cssprop --trainwatch-border-color - Card and sample borders.
 */
export class SampleViewer extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, sampleViewerStyles];

  /** Most samples `toCSV({ raw: true })` fetches; more fails with a message instead. */
  static rawRowLimit = 10_000;

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    promptField: { type: String, attribute: 'prompt-field' },
    completionField: { type: String, attribute: 'completion-field' },
    scoresField: { type: String, attribute: 'scores-field' },
    limit: { type: Number },
    step: { type: Number, reflect: true },
    exportError: { state: true },
  };

  declare run: string;
  declare metric: string;
  declare promptField: string;
  declare completionField: string;
  declare scoresField: string;
  declare limit: number;
  /** The step shown; undefined follows the newest step. */
  declare step: number | undefined;

  // Two controllers: a new step resubscribes the samples only, not the step list.
  private readonly stepsData = new RowsController<'steps'>(this, () => {
    const queries: Record<string, RowQuery> = this.configError() || !this.runId ? {} : { steps: sampleStepsQuery(this.runId, this.metric) };
    return { source: this.sourceConfig(), queries };
  });

  private readonly samplesData = new RowsController<'samples'>(this, () => {
    const step = this.shownStep;
    const fields = { prompt: this.promptField, completion: this.completionField, scores: this.scoresField };
    const queries: Record<string, RowQuery> =
      this.configError() || !this.runId || step === undefined ? {} : { samples: samplesQuery(this.runId, this.metric, step, fields, this.perStep) };
    return { source: this.sourceConfig(), queries };
  });

  private declare exportError: string;

  /** The cards last answered, kept on screen while the next step loads. */
  private shown: { step: number; samples: Sample[] } | undefined;
  private expanded = new Set<string>();

  constructor() {
    super();
    this.run = '';
    this.metric = 'sample';
    this.promptField = 'prompt';
    this.completionField = 'completion';
    this.scoresField = 'scores';
    this.limit = 20;
    this.exportError = '';
  }

  /** The run shown: the first of its own `run`, else of the enclosing `<trainwatch-filters>`'. */
  get runId(): string {
    return parseList(this.inheritedRun(this.run))[0] ?? '';
  }

  /** Steps with samples, newest first. */
  get steps(): StepCount[] {
    return this.stepsData.rows('steps').map(readStep);
  }

  /** The step whose samples are shown: the picked one, else the newest. */
  get shownStep(): number | undefined {
    return this.pinned ? this.step! : this.steps[0]?.step;
  }

  /** The samples on screen. */
  get samples(): Sample[] {
    return this.shown?.samples ?? [];
  }

  /** True while this element holds a subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.stepsData.store !== undefined || this.samplesData.store !== undefined;
  }

  /** Samples per step; a removed `limit` attribute (null) means the default. */
  private get perStep(): number {
    return this.limit ?? 20;
  }

  /** True when a step was picked; false while following the newest. */
  get pinned(): boolean {
    return this.step !== undefined && this.step !== null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Cards of another run or field mapping must not linger while the new ones load.
    if (['run', 'metric', 'promptField', 'completionField', 'scoresField', 'limit', 'src', 'table'].some((p) => changed.has(p as keyof SampleViewer))) {
      this.shown = undefined;
    }
    this.stepsData.sync();
    this.samplesData.sync();
    const step = this.shownStep;
    if (step !== undefined && this.samplesData.status === 'ready') {
      if (this.shown?.step !== step) this.expanded.clear();
      this.shown = { step, samples: this.samplesData.rows('samples').map(readSample) };
    }
  }

  protected override updated(): void {
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  private configError(): string | undefined {
    const limit = this.perStep;
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
      return `limit must be a whole number from 1 to 1000; ${got(this.getAttribute('limit') ?? this.limit)}.`;
    }
    if (this.pinned && !(Number.isInteger(this.step) && this.step! >= 0)) {
      return `step must be a whole number ≥ 0; ${got(this.getAttribute('step') ?? this.step)}.`;
    }
    for (const [attr, value] of [['metric', this.metric], ['prompt-field', this.promptField], ['completion-field', this.completionField], ['scores-field', this.scoresField]]) {
      if (!value) return `${attr} must not be empty.`;
    }
    if (this.pollIntervalError()) return this.pollIntervalError();
    return undefined;
  }

  private computeState(): { state: DataState; message: string } {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.runId) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    const steps = this.stepsData;
    if (steps.status === 'error' && !steps.rows('steps').length) return { state: 'error', message: steps.error ?? 'Error' };
    if (steps.status !== 'ready' && !steps.rows('steps').length) return { state: 'loading', message: 'Loading…' };
    if (!steps.rows('steps').length && !this.pinned) return { state: 'empty', message: `No "${this.metric}" rows for run "${this.runId}".` };
    if (this.samplesData.status === 'error' && !this.shown) return { state: 'error', message: this.samplesData.error ?? 'Error' };
    return { state: 'ready', message: '' };
  }

  /**
   * The samples as CSV (RFC 4180, CRLF line ends), in the order shown. By
   * default the cards on screen (at most `limit`); with `raw`, every sample of
   * the shown step from a fresh query, up to `SampleViewer.rawRowLimit` (more
   * rejects with a message). Only the header line when no step is shown.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const shown = this.shown;
    if (!options.raw) return samplesCsv(this.runId, shown?.step, shown?.samples ?? []);
    const error = this.configError();
    if (error) throw new Error(error);
    const step = this.shownStep;
    if (!this.runId || step === undefined) return samplesCsv(this.runId, undefined, []);
    const max = (this.constructor as typeof SampleViewer).rawRowLimit;
    const fields = { prompt: this.promptField, completion: this.completionField, scores: this.scoresField };
    const rows = await rowsOnce(this.sourceConfig(), samplesQuery(this.runId, this.metric, step, fields, max + 1));
    if (rows.length > max) throw new Error(`More than ${max.toLocaleString('en-US')} samples at step ${step}: too many for one CSV.`);
    return samplesCsv(this.runId, step, rows.map(readSample));
  }

  private async exportCsv(raw: boolean) {
    try {
      const step = raw ? this.shownStep : this.shown?.step;
      const csv = await this.toCSV({ raw });
      this.exportError = '';
      download(fileName([this.runId, this.metric, ...(step === undefined ? [] : [`step-${step}`]), ...(raw ? ['all'] : [])], 'csv'), csv);
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
    }
  }

  /** Shows a step (pinning it), or follows the newest again with undefined. */
  showStep(step: number | undefined): void {
    this.step = step;
  }

  protected override render() {
    const { state, message } = this.computeState();
    const error = this.stepsData.error ?? this.samplesData.error;
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title"
            >${this.metric} ·
            ${this.runId ? html`<span class="swatch" aria-hidden="true" style="background:${colorFor(this.runId)}"></span>${this.runId}` : 'no run'}</span
          >
          ${state === 'ready' ? html`<span class="meta">${!this.pinned ? html`<span class="live"><span aria-hidden="true">● </span>following latest</span>` : 'pinned'}</span>` : nothing}
          ${state === 'ready'
            ? renderExportMenu(
                [
                  { label: 'CSV of the samples shown', run: () => this.exportCsv(false) },
                  { label: 'CSV of all samples of this step', run: () => this.exportCsv(true) },
                ],
                `${this.metric} samples`,
              )
            : nothing}
        </div>
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${state === 'ready'
          ? html`${error ? html`<p class="banner" role="alert">${error}</p>` : nothing} ${this.renderControls()} ${this.renderSamples()}`
          : html`<div class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</div>`}
      </div>
    `;
  }

  private renderControls() {
    const steps = this.steps;
    const shown = this.shownStep;
    const index = steps.findIndex((s) => s.step === shown);
    const options = index < 0 && shown !== undefined ? [{ step: shown, count: NaN }, ...steps] : steps;
    const older = index >= 0 ? steps[index + 1] : undefined;
    const newer = index > 0 ? steps[index - 1] : undefined;
    return html`<div part="controls" class="controls">
      <button type="button" class="older" ?disabled=${!older} @click=${() => older && this.showStep(older.step)} aria-label="Older step">◀ Older</button>
      <label class="pick">
        <span class="visually-hidden">Step</span>
        <select @change=${(e: Event) => this.showStep(Number((e.target as HTMLSelectElement).value))}>
          ${options.map(
            (s) => html`<option value=${s.step} ?selected=${s.step === shown}>
              step ${formatStep(s.step)}${Number.isFinite(s.count) ? ` · ${formatCount(s.count)} sample${s.count === 1 ? '' : 's'}` : ''}
            </option>`,
          )}
        </select>
      </label>
      <button type="button" class="newer" ?disabled=${!newer} @click=${() => newer && this.showStep(newer.step)} aria-label="Newer step">Newer ▶</button>
      <button type="button" class="latest" ?disabled=${!this.pinned} @click=${() => this.showStep(undefined)}>Latest</button>
    </div>`;
  }

  private renderSamples() {
    const step = this.shownStep;
    const shown = this.shown;
    const loading = !shown || shown.step !== step;
    const total = this.steps.find((s) => s.step === step)?.count ?? 0;
    const samples = shown?.samples ?? [];
    return html`
      <p class="summary" role="status">
        ${loading
          ? `Loading step ${step === undefined ? '' : formatStep(step)}…`
          : samples.length
            ? `step ${formatStep(shown.step)} · ${samples.length < total ? `${samples.length} of ${formatCount(total)}` : samples.length} sample${samples.length === 1 ? '' : 's'}${meanScore(samples)}`
            : `No samples at step ${formatStep(shown.step)}.`}
      </p>
      <div class="cards ${loading ? 'loading' : ''}">${samples.map((sample, i) => this.renderSample(sample, i, shown!.step))}</div>
    `;
  }

  private renderSample(sample: Sample, index: number, step: number) {
    const bad = !Number.isFinite(sample.score);
    return html`<article part="sample" class="sample" aria-label=${`Sample ${index + 1}`}>
      <dl class="scores">
        <div class="score main"><dt>score</dt><dd class=${bad ? 'bad' : ''}>${formatValue(sample.score)}</dd></div>
        ${sample.scores.map(([name, value]) => html`<div class="score"><dt>${name}</dt><dd>${value}</dd></div>`)}
      </dl>
      ${sample.wellFormed
        ? html`${this.renderText('Prompt', sample.prompt, `${step}:${index}:p`)} ${this.renderText('Completion', sample.completion, `${step}:${index}:c`)}`
        : html`<p class="malformed">(malformed tags_json)</p>
            <pre class="text raw">${sample.raw}</pre>`}
    </article>`;
  }

  private renderText(label: string, text: string, key: string) {
    const long = isLong(text);
    const open = this.expanded.has(key);
    return html`<section class="field">
      <h3>${label}</h3>
      ${text ? html`<pre class="text ${long && !open ? 'clamped' : ''}">${text}</pre>` : html`<p class="none">(none)</p>`}
      ${long
        ? html`<button type="button" class="more" aria-expanded=${open ? 'true' : 'false'} @click=${() => this.toggle(key)}>
            ${open ? 'Show less' : `Show all (${formatCount(text.split('\n').length)} lines, ${formatCount(text.length)} characters)`}
          </button>`
        : nothing}
    </section>`;
  }

  private toggle(key: string) {
    if (!this.expanded.delete(key)) this.expanded.add(key);
    this.requestUpdate();
  }
}

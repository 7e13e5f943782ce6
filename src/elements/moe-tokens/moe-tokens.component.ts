import { html, nothing } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import { got, quote } from '../../internal/invalid.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { announceStep, describeShownStep, pickedStep, readSteps, renderStepPicker, stepError, stepPickerStyles } from '../moe-heatmap/step-picker.js';
import { buildTokensView, formatShare, type ExpertPanel, type SharedToken, type TokenBar, type TokensView } from './moe-tokens.model.js';
import { barsCsv, pointsCsv } from './moe-tokens.export.js';
import { tokensQuery, tokensRawQuery, tokenStepsQuery } from './moe-tokens.queries.js';
import { checkRawSize, rawExportLimit, rowsOnce } from '../../store/rows-once.js';
import { moeTokensStyles } from './moe-tokens.styles.js';
import { visiblePieces, visibleText } from './visible-text.js';

const MAX_TOP = 100;

/**
 * @summary Each MoE expert's favourite tokens at a logged step, with the tokens experts share highlighted.
 *
 * One small panel per expert (in expert order) lists its top tokens as bars with
 * their share of the expert's routed tokens. A token in several experts' top lists
 * has the same colour in every panel, and the "Shared" legend lists which experts
 * hold it (press one to dim the others; the tokens past the palette's colours are
 * behind a "+N more shared" button). A ▲ marks a token that entered an expert's
 * top list since the previous logged step. Tokens are shown as text with visible
 * whitespace (`␣` for a space, `⏎` for a newline, control pictures for the rest).
 * What a bar's tooltip adds (the other experts holding it, "new") is also in
 * the bar's text for screen readers and in the legend for everyone.
 *
 * **Export** (the header's menu, or the methods): `toCSV()` one row per bar
 * shown (step, expert, position, token as logged, share, also_in, new);
 * `toCSV({ raw: true })` every point logged at the shown step, all tokens,
 * before the mean over ranks (step, expert, token, share, host, rank, time).
 *
 * @attr run - Run id (of a comma-separated list, the first). Default: the enclosing `<trainwatch-filters>`' run.
 * @attr metric - Metric name. Default `moe.expert_token_share`.
 * @attr expert-field - `tags_json` field holding the expert (number or string). Default `expert`.
 * @attr token-field - `tags_json` field holding the token. Default `token`.
 * @attr top - Tokens shown per expert, 1–100. Default 5.
 * @attr step - Step to show (the last logged step at or before it); unset follows the latest. The step picker sets it.
 * @attr heading - Title. Default "Top tokens per expert".
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 * @fires trainwatch-step-change - The user picked a step; `detail` is `{ step }` (null for latest).
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, shown step, step picker and export menu.
 * @csspart step-picker - The step `<select>` and its label.
 * @csspart export - The export menu's disclosure (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart legend - The shared tokens and the experts holding them.
 * @csspart plot - The grid of expert panels.
 * @csspart panel - One expert's panel.
 *
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text, unshared bars.
 * @cssprop --trainwatch-border-color - Card and panel borders.
 * @cssprop --trainwatch-error-color - Error text.
 * @cssprop --trainwatch-font-family - Font.
 * @cssprop --trainwatch-radius - Card corner radius.
 * @cssprop --trainwatch-panel-width - Minimum width of an expert panel (default 180px).
 */
export class MoeTokens extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, stepPickerStyles, exportMenuStyles, moeTokensStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    expertField: { type: String, attribute: 'expert-field', reflect: true },
    tokenField: { type: String, attribute: 'token-field', reflect: true },
    top: { type: Number, reflect: true },
    step: { type: Number, reflect: true },
    heading: { type: String },
    focusToken: { state: true },
    showAllShared: { state: true },
  };

  declare run: string;
  declare metric: string;
  declare expertField: string;
  declare tokenField: string;
  declare top: number;
  /** The step to show; undefined (or null, once the attribute is removed) follows the latest. */
  declare step: number | null | undefined;
  declare heading: string | undefined;
  /** The shared token emphasised from the legend. */
  declare focusToken: string | undefined;
  /** The legend lists every shared token, past the coloured ones. */
  declare showAllShared: boolean;

  private exportError = '';

  private readonly data = new RowsController<'steps' | 'tokens'>(this, () => {
    const selection = this.selection();
    const queries: Record<string, RowQuery> = selection ? { steps: tokenStepsQuery(selection), tokens: tokensQuery(selection) } : {};
    return { source: this.sourceConfig(), queries };
  });

  /**
   * The last answer for this selection apart from the step: while a picked
   * step loads, the picker and the previous step's panels (dimmed) stay.
   */
  private last: { key: string; steps: number[]; rows: QueryRow[] } = { key: '', steps: [], rows: [] };

  constructor() {
    super();
    this.run = '';
    this.metric = 'moe.expert_token_share';
    this.expertField = 'expert';
    this.tokenField = 'token';
    this.top = 5;
    this.showAllShared = false;
  }

  /** The run shown: the first of its own `run`, else of the enclosing `<trainwatch-filters>`'. */
  get runId(): string {
    return parseList(this.inheritedRun(this.run))[0] ?? '';
  }

  private selection() {
    const run = this.runId;
    if (this.configError() || !run) return undefined;
    return { run, metric: this.metric, expertField: this.expertField, tokenField: this.tokenField, top: this.top, step: pickedStep(this.step) };
  }

  private configError(): string | undefined {
    if (!(Number.isInteger(this.top) && this.top >= 1 && this.top <= MAX_TOP)) {
      return `top must be a whole number from 1 to ${MAX_TOP}; ${got(this.getAttribute('top') ?? this.top)}.`;
    }
    if (!this.metric.trim()) return 'metric must not be empty.';
    if (!this.expertField.trim()) return 'expert-field must name a tags_json field.';
    if (!this.tokenField.trim()) return 'token-field must name a tags_json field.';
    return stepError(this.step) ?? this.pollIntervalError();
  }

  protected override willUpdate(): void {
    this.data.sync();
    const key = JSON.stringify([this.sourceConfig(), this.runId, this.metric, this.expertField, this.tokenField, this.top]);
    if (this.data.status === 'ready') this.last = { key, steps: readSteps(this.data.rows('steps')), rows: this.data.rows('tokens') };
    else if (this.last.key !== key) this.last = { key, steps: [], rows: [] };
  }

  protected override updated(): void {
    const { state, message } = this.computeState(this.view());
    this.announce(state, message);
  }

  private view(): TokensView | undefined {
    return buildTokensView(this.data.rows('tokens'), this.top);
  }

  private computeState(view: TokensView | undefined): { state: DataState; message: string } {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.runId) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    const status = this.data.status;
    if (status === 'idle' || status === 'loading') return { state: 'loading', message: 'Loading…' };
    if (view) return { state: 'ready', message: '' };
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    const steps = readSteps(this.data.rows('steps'));
    const picked = pickedStep(this.step);
    if (!steps.length) return { state: 'empty', message: `No ${quote(this.metric)} rows for run ${quote(this.runId)}.` };
    if (picked !== undefined && picked < Math.min(...steps)) {
      return { state: 'empty', message: `No ${quote(this.metric)} rows at or before step ${picked.toLocaleString('en-US')}.` };
    }
    return { state: 'empty', message: `No ${quote(this.metric)} rows carry the tags_json fields ${quote(this.expertField)} and ${quote(this.tokenField)}.` };
  }

  private pick(step: number | undefined) {
    this.step = step;
    this.focusToken = undefined;
    announceStep(this, step);
  }

  /** The panels as shown: the current step's, or the previous one's while a picked step loads. */
  private shown(): TokensView | undefined {
    const current = this.view();
    const { state } = this.computeState(current);
    if (state === 'ready') return current;
    return state === 'loading' && this.last.rows.length > 0 ? buildTokensView(this.last.rows, this.top) : undefined;
  }

  /**
   * CSV of what is shown: one row per bar (step, expert, position, token as
   * logged, share, also_in = the other experts holding it, new). With `raw`,
   * every point logged at the shown step, all tokens, before the mean over
   * ranks (step, expert, token, share, host, rank, time), read again from the
   * source; it rejects with a message past 100,000 points.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const view = this.shown();
    if (!options.raw) return barsCsv(view);
    const selection = this.selection();
    if (!view || !selection) return pointsCsv([]);
    const limit = rawExportLimit.rows;
    const rows = await rowsOnce(this.sourceConfig(), tokensRawQuery(selection, view.step, limit));
    checkRawSize(rows, limit, 'points');
    return pointsCsv(rows);
  }

  private async runExport(raw: boolean) {
    this.exportError = '';
    this.requestUpdate();
    try {
      const view = this.shown();
      const stem = [this.metric, this.runId, view ? `step-${view.step}` : '', raw ? 'raw' : ''].filter(Boolean);
      download(fileName(stem, 'csv'), await this.toCSV({ raw }));
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
      this.requestUpdate();
    }
  }

  protected override render() {
    const { state, message } = this.computeState(this.view());
    // Loading a picked step: the previous step's panels stay, dimmed, until it arrives.
    const view = this.shown();
    const pending = state === 'loading' && view !== undefined;
    const picked = pickedStep(this.step);
    const pickable = this.runId && !this.configError() && (this.last.steps.length > 0 || picked !== undefined);
    const title = this.heading ?? 'Top tokens per expert';
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title">${title}</span>
          ${view ? html`<span class="meta shown-step">${pending ? 'Loading…' : describeShownStep(view.step, picked)}</span>` : nothing}
          ${pickable ? renderStepPicker(this.last.steps, picked, (s) => this.pick(s)) : nothing}
          ${view
            ? renderExportMenu(
                [
                  { label: 'CSV of the bars shown', run: () => this.runExport(false) },
                  { label: 'CSV of the raw points', run: () => this.runExport(true) },
                ],
                title,
              )
            : nothing}
        </div>
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${view
          ? html`${this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
              <div class="body ${pending ? 'pending' : ''}" aria-busy=${pending ? 'true' : 'false'}>
                ${this.renderLegend(view)}
                <div part="plot" class="grid">${view.panels.map((p) => this.renderPanel(p, view))}</div>
              </div>`
          : html`<p class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</p>`}
      </div>
    `;
  }

  private renderLegend(view: TokensView) {
    if (!view.shared.size) return html`<p part="legend" class="legend none">No token is in more than one expert's top ${this.top}.</p>`;
    const all = [...view.shared.values()];
    const listed = all.filter((s) => s.color);
    const rest = all.slice(listed.length);
    const chip = (s: SharedToken) => html`<button
      type="button"
      class="chip ${s.color ? '' : 'uncoloured'}"
      data-token=${s.token}
      aria-pressed=${this.focusToken === s.token ? 'true' : 'false'}
      title=${`${JSON.stringify(s.token)} is in the top ${this.top} of experts ${s.experts.join(', ')}`}
      style=${styleMap({ '--_token': s.color ?? null })}
      @click=${() => (this.focusToken = this.focusToken === s.token ? undefined : s.token)}
    ><span class="swatch"></span>${this.renderToken(s.token)}<span class="experts">→ ${s.experts.join(', ')}</span></button>`;
    return html`<div part="legend" class="legend">
      <span class="legend-title">Shared</span>
      ${listed.map(chip)}
      ${rest.length
        ? html`${this.showAllShared ? rest.map(chip) : nothing}<button
              type="button"
              class="more"
              aria-expanded=${this.showAllShared ? 'true' : 'false'}
              @click=${() => (this.showAllShared = !this.showAllShared)}
            >
              ${this.showAllShared ? 'fewer' : `+${rest.length} more shared`}
            </button>`
        : nothing}
    </div>`;
  }

  private renderPanel(panel: ExpertPanel, view: TokensView) {
    const label = `Expert ${panel.expert}`;
    const drift = panel.entered.length
      ? html`<span class="drift" title=${`New in the top ${this.top} since step ${view.previousStep?.toLocaleString('en-US')}: ${panel.entered.map(visibleText).join(', ')}`}
          >+${panel.entered.length} new</span
        >`
      : nothing;
    return html`<section part="panel" class="panel" data-expert=${panel.expert} aria-label=${label}>
      <h3>${label}${drift}</h3>
      <ol class="bars">${panel.bars.map((bar) => this.renderBar(bar, view, panel.expert))}</ol>
    </section>`;
  }

  private renderBar(bar: TokenBar, view: TokensView, expert: string) {
    const shared = view.shared.get(bar.token);
    const dimmed = this.focusToken !== undefined && this.focusToken !== bar.token;
    const width = view.maxShare > 0 && Number.isFinite(bar.share) ? Math.max(0, Math.min(1, bar.share / view.maxShare)) * 100 : 0;
    const title = `${JSON.stringify(bar.token)}: ${formatShare(bar.share)}${shared ? ` · also in experts ${shared.experts.join(', ')}` : ''}${bar.entered ? ' · new in the top list' : ''}`;
    return html`<li
      class="bar ${shared ? 'shared' : ''} ${shared && !shared.color ? 'uncoloured' : ''} ${dimmed ? 'dimmed' : ''}"
      data-token=${bar.token}
      title=${title}
      style=${styleMap({ '--_token': shared?.color ?? null })}
    >
      <span class="token"
        >${bar.entered ? html`<span class="entered" aria-hidden="true">▲</span><span class="sr-only">new: </span>` : nothing}${this.renderToken(bar.token)}</span
      >
      <span class="track"><span class="fill" style=${styleMap({ width: `${width}%` })}></span></span>
      <span class="pct">${formatShare(bar.share)}</span>
      ${shared ? html`<span class="sr-only">, also in experts ${shared.experts.filter((e) => e !== expert).join(', ')}</span>` : nothing}
    </li>`;
  }

  private renderToken(token: string) {
    if (token === '') return html`<span class="text"><span class="ws">∅</span></span>`;
    return html`<span class="text">${visiblePieces(token).map((p) => (p.symbol ? html`<span class="ws">${p.text}</span>` : p.text))}</span>`;
  }
}

/**
 * What every data element shares: where its data comes from (its own source
 * attributes, over the enclosing `<trainwatch-source>`, over the page's
 * `configure()`), a theme, and the `trainwatch-state` event announcing
 * loading / ready / empty / error.
 */
import { ContextConsumer } from '@lit/context';
import { LitElement } from 'lit';
import { onConfigure, pageSource, type SourceConfig } from '../store/registry.js';
import { filterContext, type PageFilters } from './filter-context.js';
import { pollIntervalError } from './invalid.js';
import { ensureContextRoot, layerSource, sourceContext, type SourceSettings } from './source-context.js';

export type DataState = 'loading' | 'ready' | 'empty' | 'error';

export interface DataStateDetail {
  state: DataState;
  message: string;
}

export class TrainwatchElement extends LitElement {
  static override properties = {
    src: { type: String },
    user: { type: String },
    password: { type: String },
    token: { type: String },
    table: { type: String },
    pollInterval: { type: Number, attribute: 'poll-interval' },
    theme: { type: String, reflect: true },
  };

  /** ClickHouse HTTP URL, or a relay's as `relay+http(s)://…`; default: the page's `configure()` source. */
  declare src: string | undefined;
  declare user: string | undefined;
  declare password: string | undefined;
  /** Bearer token of a relay that asks for one. */
  declare token: string | undefined;
  /** Database-qualified table (default `training_observability.metric_points`). */
  declare table: string | undefined;
  declare pollInterval: number | undefined;
  /** `light`, `dark`, or unset to follow the system. */
  declare theme: 'light' | 'dark' | undefined;

  /** Data state as rendered; also announced by the `trainwatch-state` event. */
  state: DataState = 'loading';
  stateMessage = '';

  /** What the enclosing `<trainwatch-source>` hands down (undefined outside one). */
  private inherited: SourceSettings | undefined;

  constructor() {
    super();
    ensureContextRoot();
    // Added first, so the answer is in before the data controllers subscribe on connect.
    new ContextConsumer(this, {
      context: sourceContext,
      subscribe: true,
      callback: (value) => {
        this.inherited = value;
        // willUpdate re-reads sourceConfig(); the data controllers resubscribe if it changed.
        this.requestUpdate();
      },
    });
    new ContextConsumer(this, {
      context: filterContext,
      subscribe: true,
      callback: (value) => {
        this.pageFilters = value;
        this.requestUpdate();
      },
    });
  }

  /** The enclosing `<trainwatch-filters>` (undefined outside one). */
  protected pageFilters: PageFilters | undefined;

  /** The element's own `run`, else the page filter's (empty when neither is set). */
  protected inheritedRun(own: string | undefined): string {
    return own?.trim() ? own : (this.pageFilters?.run ?? '');
  }

  /** The element's own `window`, else the page filter's, else `fallback`. */
  protected inheritedWindow(own: string | undefined, fallback: string): string {
    return own?.trim() ? own : this.pageFilters?.window?.trim() || fallback;
  }

  /** The element's own `host`, else the page filter's (empty: every host). */
  protected inheritedHost(own: string | undefined): string {
    return own?.trim() ? own.trim() : (this.pageFilters?.host?.trim() ?? '');
  }

  private stopFollowingPage: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopFollowingPage = onConfigure(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopFollowingPage?.();
    this.stopFollowingPage = undefined;
  }

  /**
   * Where this element reads from: its own attributes, over the enclosing
   * `<trainwatch-source>`, over `configure()`. Naming a URL (`src`) brings its
   * own credentials: the page's are never sent to another server.
   */
  protected sourceConfig(): SourceConfig {
    const page = pageSource();
    const fromSource = this.inherited ? layerSource(page, this.inherited) : page;
    return layerSource(fromSource, {
      url: this.src?.trim() || undefined,
      user: this.user,
      password: this.password,
      token: this.token,
      table: this.table?.trim() || undefined,
      pollInterval: this.pollInterval && !this.pollIntervalError() ? this.pollInterval : undefined,
    });
  }

  /** The message for a `poll-interval` outside 250 ms to a day, if it is (every element shows it as its error). */
  protected pollIntervalError(): string | undefined {
    return pollIntervalError(this.pollInterval, this.getAttribute('poll-interval'));
  }

  /** Records the state and fires `trainwatch-state` when it changed. */
  protected announce(state: DataState, message: string): void {
    if (state === this.state && message === this.stateMessage) return;
    this.state = state;
    this.stateMessage = message;
    this.dispatchEvent(new CustomEvent<DataStateDetail>('trainwatch-state', { detail: { state, message }, bubbles: true, composed: true }));
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-state': CustomEvent<DataStateDetail>;
  }
}

import { ContextConsumer, ContextProvider } from '@lit/context';
import { css, html, LitElement } from 'lit';
import { filterContext, type PageFilters } from '../../internal/filter-context.js';
import { ensureContextRoot } from '../../internal/source-context.js';
import { readUrlFilters, writeUrlFilters, type FilterField } from './url-filters.js';

export interface FiltersChangeDetail {
  /** The filters the elements inside now follow (inner over outer). */
  run: string;
  host: string;
  window: string;
}

const FIELDS: readonly FilterField[] = ['run', 'host', 'window'];

/**
 * @summary Page-wide filters: a run, a host and a time window that every trainwatch element inside follows, optionally kept in the page's URL.
 *
 * Every trainwatch element inside (also inside other components' shadow DOM)
 * uses these filters for what it leaves unset: an element's own `run`,
 * `host` or `window` attribute wins. Filters inside other filters layer over
 * them, field by field; what an inner one leaves empty falls through.
 *
 * The controls inside drive it without script: a `<run-picker>`'s
 * `trainwatch-runs-change`, a `<time-range>`'s `trainwatch-range-change` and a
 * `<host-picker>`'s `trainwatch-host-change` set its `run`, `window` and
 * `host` (the nearest filters take the event), and the controls show the
 * filters' values.
 *
 * With `url-sync`, the page's query string holds the filters so a link
 * reproduces the view: `?run=a,b&host=node-3&window=6h` (names prefixed by
 * `url-prefix`, e.g. `tw-run`) is read at load and wins over the attributes;
 * every change is written back with `history.replaceState`, keeping the
 * other parameters and the hash; back / forward (`popstate`) reads it again.
 * Values from the URL are plain text: elements send them to ClickHouse as
 * bound parameters, and an invalid window is an error message on the
 * elements, never an exception. It renders nothing itself (`display: contents`).
 *
 * @attr run - Run ids, comma-separated, for the elements inside without a `run` of their own.
 * @attr host - Host to restrict to, for elements whose data has hosts (`<gpu-util>`, `<big-number>`); empty: every host.
 * @attr window - Time window (`15m`, `1h`, `7d`, `all`) for elements without a `window` of their own.
 * @attr url-sync - Read the filters from the page URL's query at load and write changes back to it.
 * @attr url-prefix - Prefix of the query parameters' names (default none: `run`, `host`, `window`), e.g. `tw-` for `tw-run`.
 *
 * @fires trainwatch-filters-change - The filters changed after load (a control, a property, back / forward); `detail` is `{ run, host, window }` as the elements inside now see them.
 *
 * @slot - The elements that follow the filters, the controls that set them, and any other content.
 */
export class TrainwatchFilters extends LitElement {
  static override styles = css`
    :host {
      display: contents;
    }
  `;

  static override properties = {
    run: { type: String, reflect: true },
    host: { type: String, reflect: true },
    window: { type: String, reflect: true },
    urlSync: { type: Boolean, attribute: 'url-sync', reflect: true },
    urlPrefix: { type: String, attribute: 'url-prefix', reflect: true },
  };

  declare run: string | undefined;
  declare host: string | undefined;
  declare window: string | undefined;
  declare urlSync: boolean;
  declare urlPrefix: string | undefined;

  private outer: PageFilters = {};
  private readonly provider: ContextProvider<typeof filterContext>;
  /** The attributes' values before the URL's: what back / forward returns to when the URL names no filter. */
  private fromAttributes: PageFilters | undefined;
  /** What the URL held last (read or written), so only real changes are written. */
  private synced = '';
  /** What the elements saw last, so the change event fires once per change. */
  private announced = '';

  constructor() {
    super();
    ensureContextRoot();
    this.urlSync = false;
    // Filters inside other filters layer over them.
    new ContextConsumer(this, {
      context: filterContext,
      subscribe: true,
      callback: (value) => {
        this.outer = value ?? {};
        this.publish();
        // updated() tells the page when what the elements see changed.
        this.requestUpdate();
      },
    });
    // After the consumer: on connect the outer filters are known before anyone inside is answered.
    this.provider = new ContextProvider(this, { context: filterContext, initialValue: undefined });
    this.addEventListener('trainwatch-runs-change', (event) => {
      if (this.owns(event)) this.run = event.detail.runs.join(',');
    });
    this.addEventListener('trainwatch-range-change', (event) => {
      if (this.owns(event)) this.window = event.detail.window;
    });
    this.addEventListener('trainwatch-host-change', (event) => {
      if (this.owns(event)) this.host = event.detail.host;
    });
  }

  /** What the elements inside get: these filters over the enclosing ones. */
  get filters(): PageFilters {
    const own = this.own();
    const merged: PageFilters = { ...this.outer };
    for (const field of FIELDS) if (own[field]) merged[field] = own[field];
    return merged;
  }

  override connectedCallback(): void {
    // Before the provider answers anyone: the elements inside never see the attributes' values when the URL has others.
    if (this.urlSync) this.readUrl();
    this.publish();
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPopState);
  }

  protected override willUpdate(): void {
    this.publish();
  }

  protected override updated(): void {
    if (this.urlSync) this.writeUrl();
    const seen = this.filters;
    const key = JSON.stringify(FIELDS.map((f) => seen[f] ?? ''));
    if (!this.announced) this.announced = key;
    if (key === this.announced) return;
    this.announced = key;
    this.dispatchEvent(
      new CustomEvent<FiltersChangeDetail>('trainwatch-filters-change', {
        detail: { run: seen.run ?? '', host: seen.host ?? '', window: seen.window ?? '' },
        bubbles: true,
        composed: true,
      }),
    );
  }

  protected override render() {
    return html`<slot></slot>`;
  }

  private own(): PageFilters {
    return { run: this.run?.trim() || undefined, host: this.host?.trim() || undefined, window: this.window?.trim() || undefined };
  }

  /** The nearest filters around the event's target take it; outer ones leave it alone. */
  private owns(event: Event): boolean {
    return event.composedPath().find((node) => node instanceof TrainwatchFilters) === this;
  }

  private readUrl() {
    this.fromAttributes ??= this.own();
    const fromUrl = readUrlFilters(location.search, this.urlPrefix ?? '');
    for (const field of FIELDS) this[field] = fromUrl[field] ?? this.fromAttributes[field];
    this.synced = JSON.stringify(this.own());
  }

  private writeUrl() {
    const own = this.own();
    const key = JSON.stringify(own);
    if (key === this.synced) return;
    this.synced = key;
    const search = writeUrlFilters(location.search, this.urlPrefix ?? '', own);
    if (search === location.search) return;
    history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
  }

  private readonly onPopState = () => {
    if (this.urlSync) this.readUrl();
  };

  private publish() {
    const next = this.filters;
    if (JSON.stringify(next) !== JSON.stringify(this.provider.value)) this.provider.setValue(next);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-filters-change': CustomEvent<FiltersChangeDetail>;
  }
}

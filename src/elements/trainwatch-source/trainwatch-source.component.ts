import { ContextConsumer, ContextProvider } from '@lit/context';
import { css, html, LitElement, type PropertyValues } from 'lit';
import { MAX_POLL_INTERVAL } from '../../internal/invalid.js';
import { ensureContextRoot, layerSource, sourceContext, type SourceSettings } from '../../internal/source-context.js';

/**
 * @summary Where the trainwatch elements inside it read from: set the URL and credentials once for a page, a section or a notebook cell.
 *
 * Every trainwatch element inside inherits these settings, including elements
 * inside other components' shadow DOM. An element's own attributes win field
 * by field, and a source inside another source layers over it. Fields left
 * unset fall through to the enclosing source, then to `configure()`. Whoever
 * sets `url` also sets the credentials: they are never inherited across a
 * change of server.
 *
 * @attr url - ClickHouse HTTP URL (`https://host:8443`), or a trainwatch relay's as `relay+http(s)://host:port`.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr token - Bearer token of a relay that asks for one.
 * @attr table - Database-qualified table (default `training_observability.metric_points`).
 * @attr poll-interval - Poll interval in ms (default 2000; 250 ms to a day, anything else is ignored).
 * @attr point-budget - Points held per series before the oldest are reduced (default 60000; a number that is not positive is ignored).
 *
 * @slot - The elements that read from this source, and any other content.
 */
export class TrainwatchSource extends LitElement {
  static override styles = css`
    :host {
      display: contents;
    }
  `;

  static override properties = {
    url: { type: String, reflect: true },
    user: { type: String },
    password: { type: String },
    token: { type: String },
    table: { type: String, reflect: true },
    pollInterval: { type: Number, attribute: 'poll-interval', reflect: true },
    pointBudget: { type: Number, attribute: 'point-budget', reflect: true },
  };

  declare url: string | undefined;
  declare user: string | undefined;
  declare password: string | undefined;
  declare token: string | undefined;
  declare table: string | undefined;
  declare pollInterval: number | undefined;
  declare pointBudget: number | undefined;

  private outer: SourceSettings = {};
  private readonly provider = new ContextProvider(this, { context: sourceContext, initialValue: undefined });

  constructor() {
    super();
    ensureContextRoot();
    // A source inside another source layers over it.
    new ContextConsumer(this, {
      context: sourceContext,
      subscribe: true,
      callback: (value) => {
        this.outer = value ?? {};
        this.publish();
      },
    });
  }

  /** The settings elements inside this source get (before their own attributes). */
  get settings(): SourceSettings {
    return layerSource(this.outer, this.own());
  }

  protected override willUpdate(_changed: PropertyValues): void {
    this.publish();
  }

  protected override render() {
    return html`<slot></slot>`;
  }

  private own(): SourceSettings {
    const positive = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined);
    return {
      url: this.url?.trim() || undefined,
      user: this.user,
      password: this.password,
      token: this.token,
      table: this.table?.trim() || undefined,
      // Beyond a day a timer fires at once (a request storm): ignored like any other unusable number.
      pollInterval: positive(this.pollInterval) && this.pollInterval! <= MAX_POLL_INTERVAL ? this.pollInterval : undefined,
      pointBudget: positive(this.pointBudget),
    };
  }

  private publish() {
    const next = this.settings;
    if (JSON.stringify(next) !== JSON.stringify(this.provider.value)) this.provider.setValue(next);
  }
}

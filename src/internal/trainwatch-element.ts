/**
 * What every data element shares: where its data comes from (the source
 * attributes, falling back to the page's `configure()`), a theme, and the
 * `trainwatch-state` event announcing loading / ready / empty / error.
 */
import { LitElement } from 'lit';
import { pageSource, type SourceConfig } from '../store/registry.js';

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

  /** The page's source with this element's overrides. */
  protected sourceConfig(): SourceConfig {
    return {
      ...pageSource(),
      ...(this.src ? { url: this.src } : {}),
      ...(this.user !== undefined ? { user: this.user } : {}),
      ...(this.password !== undefined ? { password: this.password } : {}),
      ...(this.token !== undefined ? { token: this.token } : {}),
      ...(this.table ? { table: this.table } : {}),
      ...(this.pollInterval ? { pollInterval: this.pollInterval } : {}),
    };
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

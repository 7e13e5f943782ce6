/**
 * Connects an element to row queries of the shared store: subscribes while
 * the element is connected, resubscribes when the queries change (an attribute
 * changed), and releases everything on disconnect.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { queryId, type QueryRow, type RowQuery } from '../sources/source.js';
import { storeFor, type SourceConfig } from './registry.js';
import type { RowsResult, TelemetryStore } from './store.js';

export interface RowsSelection {
  source: SourceConfig;
  /** Named queries; none (an invalid configuration) subscribes to nothing, and undefined ones are left out. */
  queries: Partial<Record<string, RowQuery>>;
}

export type RowsStatus = 'idle' | 'loading' | 'ready' | 'error';

export class RowsController<Names extends string = string> implements ReactiveController {
  private readonly host: ReactiveControllerHost;
  private readonly select: () => RowsSelection;
  private signature = '';
  private unsubscribers: Array<() => void> = [];
  private results = new Map<string, RowsResult>();
  private connected = false;
  store: TelemetryStore | undefined;

  constructor(host: ReactiveControllerHost, select: () => RowsSelection) {
    this.host = host;
    this.select = select;
    host.addController(this);
  }

  /** Rows of a named query: the last answer, also while a later poll failed. */
  rows(name: Names): QueryRow[] {
    return this.results.get(name)?.rows ?? [];
  }

  /** The combined state: loading until every query answered once, error if the last poll failed. */
  get status(): RowsStatus {
    if (this.results.size === 0) return 'idle';
    const all = [...this.results.values()];
    if (all.some((r) => r.status === 'error')) return 'error';
    if (all.some((r) => r.status === 'loading')) return 'loading';
    return 'ready';
  }

  get error(): string | undefined {
    return [...this.results.values()].find((r) => r.error)?.error;
  }

  /** When the oldest of the current answers arrived, epoch ms (NaN before all did). */
  get updatedAt(): number {
    let at = Infinity;
    for (const r of this.results.values()) at = Math.min(at, r.updatedAt);
    return this.results.size && Number.isFinite(at) ? at : NaN;
  }

  hostConnected(): void {
    this.connected = true;
    this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.release();
  }

  /** Call when the selection may have changed (the host's willUpdate). */
  sync(): void {
    if (!this.connected) return;
    const selection = this.select();
    const entries = Object.entries(selection.queries).filter((e): e is [string, RowQuery] => e[1] !== undefined);
    const signature = JSON.stringify([selection.source, entries.map(([name, q]) => [name, queryId(q)])]);
    if (signature === this.signature) return;
    this.release();
    this.signature = signature;
    if (entries.length === 0) return;
    const store = storeFor(selection.source);
    this.store = store;
    for (const [name, query] of entries) {
      this.results.set(name, { query, status: 'loading', rows: [], updatedAt: NaN, version: 0 });
      this.unsubscribers.push(
        store.subscribeRows(query, (result) => {
          this.results.set(name, { ...result });
          this.host.requestUpdate();
        }),
      );
    }
  }

  private release() {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    this.results = new Map();
    this.store = undefined;
    this.signature = '';
  }
}

/**
 * Connects an element to the shared store: subscribes while the element is
 * connected, resubscribes when its source or series change, and releases
 * everything on disconnect.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SeriesKey } from '../sources/source.js';
import { storeFor, type SourceConfig } from './registry.js';
import type { SeriesBuffer } from './series.js';
import type { TelemetryStore } from './store.js';

export interface SeriesSelection {
  source: SourceConfig;
  keys: SeriesKey[];
}

export class SeriesController implements ReactiveController {
  private readonly host: ReactiveControllerHost;
  private readonly select: () => SeriesSelection;
  private readonly columns: () => number | undefined;
  private signature = '';
  private unsubscribers: Array<() => void> = [];
  private connected = false;
  store: TelemetryStore | undefined;
  keys: SeriesKey[] = [];

  /**
   * `columns` tells the store how wide the host draws, read when subscribing
   * (a resize does not resubscribe: the first view is already on its way).
   */
  constructor(host: ReactiveControllerHost, select: () => SeriesSelection, columns: () => number | undefined = () => undefined) {
    this.host = host;
    this.select = select;
    this.columns = columns;
    host.addController(this);
  }

  /** The buffers of the current keys, in key order (missing ones are still subscribing). */
  get series(): SeriesBuffer[] {
    const store = this.store;
    if (!store) return [];
    return this.keys.map((key) => store.series(key)).filter((s): s is SeriesBuffer => s !== undefined);
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
    const signature = JSON.stringify(selection);
    if (signature === this.signature) return;
    this.release();
    this.signature = signature;
    this.keys = selection.keys;
    if (selection.keys.length === 0) return;
    const store = storeFor(selection.source);
    this.store = store;
    const onChange = () => this.host.requestUpdate();
    const columns = this.columns();
    this.unsubscribers = selection.keys.map((key) => store.subscribe(key, onChange, columns ? { columns } : {}));
  }

  private release() {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    this.unsubscribers = [];
    this.store = undefined;
    this.keys = [];
    this.signature = '';
  }
}

/**
 * The visible range of `<metric-detail>`: its zoom (drag, keys, group,
 * `setZoom()`), the `from`/`to` attributes that set it and the properties
 * that follow it, the `trainwatch-zoom-change` event, and the range the
 * statistics are asked for, which follows the zoom once it settled.
 */
import type { PropertyValues, ReactiveController, ReactiveControllerHost } from 'lit';
import { ZoomController, type ZoomRange } from '../../chart/group-sync.js';
import { describeZoom } from './metric-detail.parts.js';

export type DetailAxis = 'step' | 'time';

/** A zoom settles this long before the statistics and spikes of the new range are asked for. */
export const RANGE_QUERY_DELAY_MS = 300;

/** What `trainwatch-zoom-change` carries: the visible range on `axis` (steps, or epoch seconds), unset when zoomed out. */
export interface ZoomChangeDetail {
  from?: number;
  to?: number;
  axis: DetailAxis;
}

/** An empty attribute is no value (Lit's Number converter would read it as 0). */
export const optionalNumber = {
  fromAttribute: (value: string | null) => (value === null || value.trim() === '' ? undefined : Number(value)),
  toAttribute: (value: number | undefined) => (value === undefined ? null : String(value)),
};

interface RangeHost extends ReactiveControllerHost, HTMLElement {
  from: number | undefined;
  to: number | undefined;
  xAxis: DetailAxis;
  group: string | undefined;
  readonly hasUpdated: boolean;
}

export interface RangeOptions {
  /** Lowest and highest x of the data (undefined while there is none). */
  extent(): ZoomRange | undefined;
  announce(message: string): void;
  /** The zoom changed: redraw. */
  changed(): void;
}

const finite = (value: number | null | undefined) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export class RangeController implements ReactiveController {
  private readonly host: RangeHost;
  private readonly extent: () => ZoomRange | undefined;
  private readonly zoomer: ZoomController;
  /** The range statistics and spikes are asked for: the zoom, once it settled. */
  queried: ZoomRange | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** `from`/`to` changed: zoom there once the data's extent can complete a missing end. */
  private pending = false;
  private fromAttributes = false;

  constructor(host: RangeHost, options: RangeOptions) {
    this.host = host;
    this.extent = options.extent;
    this.zoomer = new ZoomController(host, {
      group: () => host.group,
      axis: () => host.xAxis,
      extent: options.extent,
      minSpan: () => (host.xAxis === 'step' ? 4 : 1),
      describe: (range) => describeZoom(range, host.xAxis),
      changed: () => {
        this.changed();
        options.changed();
      },
      announce: options.announce,
    });
    host.addController(this);
  }

  get zoom(): ZoomRange | undefined {
    return this.zoomer.zoom;
  }

  /** True between a zoom and the query of its range. */
  get settling(): boolean {
    return this.queried !== this.zoom;
  }

  get holdsTimer(): boolean {
    return this.timer !== undefined;
  }

  set(range: ZoomRange | undefined): void {
    this.zoomer.set(range);
  }

  handleKey(event: KeyboardEvent): boolean {
    return this.zoomer.handleKey(event);
  }

  /** Call from the host's willUpdate: follows a new axis, `from` and `to`. */
  update(changed: PropertyValues): void {
    const host = this.host;
    if (changed.has('xAxis') && host.hasUpdated && !changed.has('from') && !changed.has('to')) {
      // The zoom was on the other axis: it is gone, and so is what the properties said of it.
      // Dropped here too, so switching back does not bring back a zoom the statistics no longer cover.
      this.fromAttributes = true;
      try {
        this.zoomer.set(undefined, { publish: false, announce: false });
      } finally {
        this.fromAttributes = false;
      }
      host.from = host.to = undefined;
      this.queried = undefined;
    }
    if (changed.has('from') || changed.has('to')) this.pending = true;
    this.applyAttributes();
  }

  /** Zooms to `from`/`to` if they wait for the data's extent (call when data arrived). */
  applyAttributes(): void {
    if (!this.pending) return;
    const from = finite(this.host.from);
    const to = finite(this.host.to);
    let range: ZoomRange | undefined;
    if (from !== undefined || to !== undefined) {
      const extent = from !== undefined && to !== undefined ? undefined : this.extent();
      if ((from === undefined || to === undefined) && !extent) return;
      range = [from ?? extent![0], to ?? extent![1]];
    }
    this.pending = false;
    const zoom = this.zoom;
    if (range?.[0] === zoom?.[0] && range?.[1] === zoom?.[1]) return;
    this.fromAttributes = true;
    try {
      this.zoomer.set(range, { announce: false });
    } finally {
      this.fromAttributes = false;
    }
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // The delayed query was cancelled: once back, the statistics follow the zoom as it is.
    this.queried = this.zoom;
  }

  private changed() {
    const host = this.host;
    const zoom = this.zoom;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fromAttributes) {
      // A page (or a URL) asked for this range: no need to wait for it to settle, nor to tell it.
      this.queried = zoom;
      return;
    }
    host.from = zoom?.[0];
    host.to = zoom?.[1];
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.queried = this.zoom;
      host.requestUpdate();
    }, RANGE_QUERY_DELAY_MS);
    const detail: ZoomChangeDetail = zoom ? { from: zoom[0], to: zoom[1], axis: host.xAxis } : { axis: host.xAxis };
    host.dispatchEvent(new CustomEvent<ZoomChangeDetail>('trainwatch-zoom-change', { detail, bubbles: true, composed: true }));
  }
}

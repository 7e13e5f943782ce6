/**
 * Charts of one `group` move together: the cursor through uPlot's own sync
 * (pass `cursorSync(group, axis)` as a chart's `cursor.sync`), and zoom through
 * this page-wide channel. A zoom only reaches members whose x axis has the same
 * kind (steps do not mean seconds), and never echoes back to its sender.
 *
 * `ZoomController` is what a line-chart element holds: its zoom range, the
 * keyboard (+ − ← → 0), the polite announcement of each change, and its
 * membership of a group, joined and left with the element.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type uPlot from 'uplot';

/** What a zoom means: a range on an axis kind ("step", "time", "relative"), or undefined for zoomed out. */
export interface GroupZoom {
  axis: string;
  range: readonly [number, number] | undefined;
}

export interface GroupMember {
  /** The member's axis kind now (it may change with an attribute). */
  axis(): string;
  /** Shows `range`, as if the user had zoomed this chart (without publishing it again). */
  applyZoom(range: readonly [number, number] | undefined): void;
}

const groups = new Map<string, Set<GroupMember>>();

/** Joins `group`; returns the leave function (call it on disconnect). */
export function joinGroup(group: string, member: GroupMember): () => void {
  let members = groups.get(group);
  if (!members) groups.set(group, (members = new Set()));
  members.add(member);
  return () => {
    members.delete(member);
    if (!members.size && groups.get(group) === members) groups.delete(group);
  };
}

/** Tells the other members of `group` that `sender` zoomed. */
export function publishZoom(group: string, sender: GroupMember, zoom: GroupZoom): void {
  for (const member of [...(groups.get(group) ?? [])]) {
    if (member !== sender && member.axis() === zoom.axis) member.applyZoom(zoom.range);
  }
}

/** Members of a group now (tests check that a removed chart left). */
export function groupSize(group: string): number {
  return groups.get(group)?.size ?? 0;
}

/**
 * uPlot cursor sync options for a group. The key is namespaced so other uPlot
 * users on the page stay apart, and carries the axis kind so a step chart and
 * a time chart of one group do not move each other's cursor to meaningless x.
 * uPlot would also replay a drag in every synced chart (each then zooming and
 * publishing on its own): drags and double clicks are not passed on.
 */
export function cursorSync(group: string | undefined, axis = ''): uPlot.Cursor.Sync | undefined {
  if (!group) return undefined;
  return {
    key: `trainwatch:${group}${axis ? `:${axis}` : ''}`,
    setSeries: false,
    scales: ['x', null],
    // Only the hover travels this way: a drag or double click zooms through publishZoom, once, from the chart it happened in.
    filters: { pub: (type) => !ZOOM_EVENTS.has(type), sub: () => true },
  };
}

const ZOOM_EVENTS = new Set(['mousedown', 'mouseup', 'dblclick']);

export type ZoomRange = readonly [number, number];

export interface ZoomOptions {
  /** The group attribute now (undefined or empty: no group). */
  group(): string | undefined;
  /** The x axis kind now. */
  axis(): string;
  /** Lowest and highest x of the data (undefined while there is none). */
  extent(): ZoomRange | undefined;
  /** Narrowest range keyboard zoom goes to, in axis units. */
  minSpan(): number;
  /** A range in words for announcements ("steps 5,000 to 5,200"). */
  describe(range: ZoomRange): string;
  /** The zoom changed (from the user, a script or the group): show it, fetching finer data as needed. */
  changed(): void;
  /** Says a change made here in words, for a polite live region ("Zoomed to steps 5,000 to 5,200."). */
  announce(message: string): void;
}

/** Zooming in or out by a key halves or doubles the visible range; panning moves it by a tenth. */
const ZOOM_FACTOR = 2;
const PAN_FRACTION = 0.1;

export class ZoomController implements ReactiveController {
  private readonly options: ZoomOptions;
  private range: ZoomRange | undefined;
  private rangeAxis: string | undefined;
  private leave: (() => void) | undefined;
  private joined: string | undefined;
  private readonly member: GroupMember;

  constructor(host: ReactiveControllerHost, options: ZoomOptions) {
    this.options = options;
    this.member = { axis: () => options.axis(), applyZoom: (range) => this.set(range, { publish: false, announce: false }) };
    host.addController(this);
  }

  /** The zoomed range, if any (undefined once the x axis changed kind). */
  get zoom(): ZoomRange | undefined {
    return this.rangeAxis === this.options.axis() ? this.range : undefined;
  }

  /**
   * Zooms to `range` (undefined: zoom out). By default the group follows and
   * the change is announced; a range from the group does neither. Zooming to
   * what is shown already changes and says nothing.
   */
  set(range: ZoomRange | undefined, { publish = true, announce = true } = {}): void {
    const next = range && Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[1] > range[0] ? ([range[0], range[1]] as const) : undefined;
    const same = next === this.zoom || (next && this.zoom && next[0] === this.zoom[0] && next[1] === this.zoom[1]);
    this.range = next;
    this.rangeAxis = next ? this.options.axis() : undefined;
    if (publish && this.joined) publishZoom(this.joined, this.member, { axis: this.options.axis(), range: next });
    if (same) return;
    this.options.changed();
    if (announce) this.options.announce(next ? `Zoomed to ${this.options.describe(next)}.` : 'Zoom reset: showing everything.');
  }

  /**
   * The plot's keys: + or = zoom in around the centre, − zoom out, ← → pan by a
   * tenth of the visible range when zoomed, 0, Home or Escape reset. Returns
   * true (and prevents the default) when the key did something.
   */
  handleKey(event: KeyboardEvent): boolean {
    if (event.altKey || event.ctrlKey || event.metaKey) return false;
    const extent = this.options.extent();
    if (!extent) return false;
    const zoom = this.zoom;
    const [lo, hi] = zoom ?? extent;
    const width = hi - lo;
    const centre = (lo + hi) / 2;
    let next: ZoomRange | undefined;
    switch (event.key) {
      case '+':
      case '=': {
        const half = Math.max(width / ZOOM_FACTOR, this.options.minSpan()) / 2;
        if (half * 2 >= width) return consume(event);
        next = [centre - half, centre + half];
        break;
      }
      case '-':
      case '_': {
        if (!zoom) return consume(event);
        next = clampTo(extent, centre - (width * ZOOM_FACTOR) / 2, centre + (width * ZOOM_FACTOR) / 2);
        break;
      }
      case 'ArrowLeft':
      case 'ArrowRight': {
        if (!zoom) return false;
        const shift = (event.key === 'ArrowLeft' ? -1 : 1) * width * PAN_FRACTION;
        next = clampTo(extent, lo + shift, hi + shift);
        if (next && next[0] === lo && next[1] === hi) return consume(event);
        break;
      }
      case '0':
      case 'Home':
      case 'Escape':
        if (!zoom) return false;
        next = undefined;
        break;
      default:
        return false;
    }
    this.set(next);
    return consume(event);
  }

  hostConnected(): void {
    this.syncGroup();
  }

  hostUpdated(): void {
    this.syncGroup();
  }

  hostDisconnected(): void {
    this.leave?.();
    this.leave = undefined;
    this.joined = undefined;
  }

  /** Joins the group the attribute names, leaving the previous one. */
  private syncGroup() {
    const group = this.options.group()?.trim() || undefined;
    if (group === this.joined) return;
    this.leave?.();
    this.leave = group ? joinGroup(group, this.member) : undefined;
    this.joined = group;
  }
}

function consume(event: KeyboardEvent): true {
  event.preventDefault();
  return true;
}

/** [lo, hi] moved (not shrunk) to lie within the extent; undefined when it covers all of it. */
function clampTo([min, max]: ZoomRange, lo: number, hi: number): ZoomRange | undefined {
  const width = hi - lo;
  if (width >= max - min) return undefined;
  if (lo < min) return [min, min + width];
  if (hi > max) return [max - width, max];
  return [lo, hi];
}

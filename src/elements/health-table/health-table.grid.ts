/**
 * The grid's cursor for <health-table>: one tab stop that the arrow keys move
 * (the ARIA grid pattern, keys from internal/grid-keys.ts), Enter / Space to
 * choose, and which cell the breakdown line describes (the focused one while
 * focus is in the grid, else the one under the pointer). Cells are found by
 * `data-r` / `data-c` on their focus target: the cell itself, or its link.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { cellAfterKey, type Cell } from '../../internal/grid-keys.js';

type Host = ReactiveControllerHost & HTMLElement & { renderRoot: ParentNode };

const at = (target: EventTarget | null): Cell | undefined => {
  const el = target instanceof Element ? target.closest<HTMLElement>('[data-r]') : null;
  return el ? { row: Number(el.dataset.r), col: Number(el.dataset.c) } : undefined;
};

export class GridCursor implements ReactiveController {
  /** The cell holding the tab stop (column 0: the row header). */
  active: Cell = { row: 0, col: 1 };
  private focused = false;
  private hovered: Cell | undefined;

  constructor(
    private readonly host: Host,
    /** Chooses a cell (fires the select event); true when the choice was cancelled. */
    private readonly choose: (cell: Cell) => boolean,
  ) {
    host.addController(this);
  }

  /** A removed grid has neither focus nor pointer; it keeps its tab stop. */
  hostDisconnected(): void {
    this.focused = false;
    this.hovered = undefined;
  }

  /** Keeps the tab stop inside a grid of this size (the data may have shrunk). */
  clamp(rows: number, cols: number): void {
    this.active = { row: Math.max(0, Math.min(this.active.row, rows - 1)), col: Math.max(0, Math.min(this.active.col, cols - 1)) };
  }

  tabindex(row: number, col: number): '0' | '-1' {
    return row === this.active.row && col === this.active.col ? '0' : '-1';
  }

  /** The cell to describe: the focused one, else the hovered one. */
  get shown(): Cell | undefined {
    return this.focused ? this.active : this.hovered;
  }

  private target(cell: Cell): HTMLElement | null {
    return this.host.renderRoot.querySelector<HTMLElement>(`[data-r="${cell.row}"][data-c="${cell.col}"]`);
  }

  readonly onClick = (event: MouseEvent): void => {
    const cell = at(event.target);
    if (!cell) return;
    this.active = cell;
    if (this.choose(cell)) event.preventDefault();
  };

  /** Keys of a grid of `rows` × `cols` cells. */
  onKey(event: KeyboardEvent, rows: number, cols: number): void {
    if (event.key === 'Enter' || event.key === ' ') {
      const target = this.target(this.active);
      if (!target) return;
      event.preventDefault();
      // A link follows itself on click (unless a listener cancels); a plain cell only chooses.
      if (target instanceof HTMLAnchorElement) target.click();
      else this.choose(this.active);
      return;
    }
    const to = cellAfterKey(event, this.active, rows, cols);
    if (!to) return;
    event.preventDefault();
    this.active = to;
    this.host.requestUpdate();
    void this.host.updateComplete.then(() => this.target(to)?.focus());
  }

  readonly onFocusIn = (event: FocusEvent): void => {
    const cell = at(event.target);
    if (!cell) return;
    this.active = cell;
    this.focused = true;
    this.host.requestUpdate();
  };

  readonly onFocusOut = (event: FocusEvent): void => {
    if ((event.currentTarget as HTMLElement).contains(event.relatedTarget as Node | null)) return;
    this.focused = false;
    this.host.requestUpdate();
  };

  readonly onHover = (event: MouseEvent): void => {
    const cell = at(event.target);
    if (cell?.row === this.hovered?.row && cell?.col === this.hovered?.col) return;
    this.hovered = cell;
    this.host.requestUpdate();
  };

  readonly onLeave = (): void => {
    this.hovered = undefined;
    this.host.requestUpdate();
  };
}

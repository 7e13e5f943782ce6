/**
 * The keys that move a highlighted cell through a grid, as in a spreadsheet
 * (and the ARIA grid pattern): arrows one cell, Home / End to the row's
 * first / last column, Page Up / Page Down to the column's first / last row,
 * Ctrl+Home / Ctrl+End to the first / last cell. Shared by `<gpu-util>`'s
 * heatmap canvas and `<moe-heatmap>`'s table.
 */

export interface Cell {
  row: number;
  col: number;
}

/** The cell a key moves to, kept inside `rows` × `cols`; undefined for a key that does not move. */
export function cellAfterKey(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey'>, at: Cell, rows: number, cols: number): Cell | undefined {
  const ctrl = event.ctrlKey || event.metaKey;
  const last = { row: rows - 1, col: cols - 1 };
  const to: Record<string, [number, number]> = {
    ArrowLeft: [at.row, at.col - 1],
    ArrowRight: [at.row, at.col + 1],
    ArrowUp: [at.row - 1, at.col],
    ArrowDown: [at.row + 1, at.col],
    Home: ctrl ? [0, 0] : [at.row, 0],
    End: ctrl ? [last.row, last.col] : [at.row, last.col],
    PageUp: [0, at.col],
    PageDown: [last.row, at.col],
  };
  const move = to[event.key];
  if (!move || rows < 1 || cols < 1) return undefined;
  return { row: Math.max(0, Math.min(last.row, move[0])), col: Math.max(0, Math.min(last.col, move[1])) };
}

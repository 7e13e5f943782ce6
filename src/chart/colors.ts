/**
 * Run colours: the same run gets the same colour in every element on the page.
 * Colours are handed out in order of first use from one page-wide table, so
 * the first ten runs never share a colour (hashing would collide a third of
 * the time with only three runs). The palette is Tableau 10 with its yellow
 * and grey darkened to stay readable on white.
 */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#c9a227', '#ff9da7', '#9c755f', '#7f7f7f'];

/**
 * Kept on the page, not in this module: two copies of trainwatch on one page
 * (two notebook cells each inlining the bundle, or the bundle beside the ESM
 * build) still agree on every run's colour.
 */
const assigned: Map<string, string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('trainwatch-run-colors')] ??= new Map<string, string>()) as Map<
  string,
  string
>;

export function colorFor(id: string): string {
  let color = assigned.get(id);
  if (!color) {
    color = PALETTE[assigned.size % PALETTE.length];
    assigned.set(id, color);
  }
  return color;
}

/** Dash patterns that tell metrics of one run apart when colour is taken by the run. */
export const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 6]];

/**
 * Run colours: the same run gets the same colour in every element on the page,
 * without coordination, by hashing its id into a fixed palette.
 * The palette is Tableau 10, distinguishable in both themes.
 */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** FNV-1a: stable across sessions and browsers. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function colorFor(id: string): string {
  return PALETTE[hash(id) % PALETTE.length];
}

/** Dash patterns that tell metrics of one run apart when colour is taken by the run. */
export const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 6]];

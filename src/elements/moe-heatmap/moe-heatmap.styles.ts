import { css } from 'lit';

/**
 * Cells are coloured in CSS from their position on a three-stop scale (low,
 * mid, high; `--s` is the position within the lower or the upper half), so
 * the colours follow the theme: light theme dark-for-high, dark theme
 * bright-for-high, all three overridable.
 *
 * Cell text is pure black or pure white: only those two leave no stretch of
 * the scale where neither reaches 4.5:1. It flips where both do, at the scale
 * position `--_flip` (`--t` is the cell's position on the whole scale), found
 * for the default colours: light 0.70 (black below, white above, both 4.58:1
 * there), dark 0.50 (white below, black above, 4.6:1 and 4.5:1).
 */
export const moeHeatmapStyles = css`
  :host {
    --_heat-low: var(--trainwatch-heatmap-low, #f1f6fc);
    --_heat-mid: var(--trainwatch-heatmap-mid, #6baed6);
    --_heat-high: var(--trainwatch-heatmap-high, #08306b);
    --_flip: 0.7;
    --_dir: 1;
    --_missing: #d8dadd;
  }
  :host([theme='dark']) {
    --_heat-low: var(--trainwatch-heatmap-low, #161b22);
    --_heat-mid: var(--trainwatch-heatmap-mid, #1f6feb);
    --_heat-high: var(--trainwatch-heatmap-high, #a5d6ff);
    --_flip: 0.5;
    --_dir: -1;
    --_missing: #3a3f46;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      --_heat-low: var(--trainwatch-heatmap-low, #161b22);
      --_heat-mid: var(--trainwatch-heatmap-mid, #1f6feb);
      --_heat-high: var(--trainwatch-heatmap-high, #a5d6ff);
      --_flip: 0.5;
      --_dir: -1;
      --_missing: #3a3f46;
    }
  }
  .header {
    flex-wrap: wrap;
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .scroll {
    overflow-x: auto;
  }
  table {
    border-collapse: separate;
    border-spacing: 2px;
    font-size: 11px;
    font-variant-numeric: tabular-nums;
  }
  th {
    font-weight: 500;
    color: var(--_muted);
    padding: 2px 6px;
    white-space: nowrap;
  }
  th[scope='row'] {
    text-align: right;
    color: var(--_fg);
    max-width: 16em;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  th.corner {
    font-weight: 400;
    font-size: 10px;
    text-align: right;
  }
  .cell {
    min-width: 38px;
    height: 24px;
    padding: 0 4px;
    text-align: center;
    border-radius: 2px;
    /* 0 (black) on one side of the flip, 1 (white) on the other. */
    color: hsl(0 0% calc(100% * clamp(0, (var(--t, 0) - var(--_flip)) * var(--_dir) * 100000, 1)));
    background-color: color-mix(in oklab, var(--_heat-mid) calc(var(--s, 0) * 100%), var(--_heat-low));
  }
  .cell.upper {
    background-color: color-mix(in oklab, var(--_heat-high) calc(var(--s, 0) * 100%), var(--_heat-mid));
  }
  .cell.missing,
  .swatch.missing {
    background-color: var(--_missing);
    background-image: repeating-linear-gradient(45deg, transparent 0 3px, rgba(255, 255, 255, 0.35) 3px 5px);
  }
  .cell.invalid {
    color: var(--_error);
    background-color: transparent;
    border: 1px dashed var(--_error);
  }
  .detail {
    min-height: 1.4em;
    margin: 4px 0 0;
    font-size: 12px;
    font-variant-numeric: tabular-nums;
  }
  .legend {
    display: flex;
    align-items: center;
    gap: 6px;
    margin-top: 8px;
    font-size: 11px;
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
  }
  .ramp {
    width: 140px;
    height: 10px;
    border-radius: 2px;
    background: linear-gradient(in oklab to right, var(--_heat-low), var(--_heat-mid), var(--_heat-high));
    border: 1px solid var(--_border);
  }
  .swatch {
    width: 12px;
    height: 10px;
    border-radius: 2px;
    margin-left: 10px;
  }
`;

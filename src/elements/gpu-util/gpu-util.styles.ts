import { css, unsafeCSS } from 'lit';
import { VIRIDIS } from './gpu-util.model.js';

export const gpuUtilStyles = css`
  .body {
    position: relative;
    display: grid;
    grid-template-columns: var(--trainwatch-label-width, 10em) minmax(0, 1fr);
    column-gap: 8px;
    align-items: start;
    font-size: 12px;
  }
  .body.waiting {
    min-height: 120px;
  }
  .labels {
    list-style: none;
    margin: 0;
    padding: 0;
    min-width: 0;
  }
  .labels li {
    height: var(--_row, 16px);
    line-height: var(--_row, 16px);
    font-size: clamp(9px, calc(var(--_row, 16px) - 3px), 12px);
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  .labels li.compact {
    overflow: visible;
    line-height: 10px;
  }
  .labels li.hover {
    font-weight: 600;
  }
  .labels li.straggler {
    color: var(--_error);
    font-weight: 600;
  }
  .heat,
  .mean {
    position: relative;
    min-width: 0;
  }
  canvas {
    display: block;
  }
  canvas[hidden] {
    display: none;
  }
  .sizer {
    height: 0;
  }
  .heat canvas {
    cursor: crosshair;
  }
  .cell-cursor {
    position: absolute;
    box-sizing: border-box;
    pointer-events: none;
    outline: 2px solid var(--_fg);
    outline-offset: 0;
    box-shadow: 0 0 0 3px var(--_bg);
  }
  .meta .swatch {
    display: inline-block;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    margin-right: 5px;
    vertical-align: 1px;
  }
  .side {
    text-align: right;
    color: var(--_muted);
    line-height: 1.2;
    padding-top: 4px;
  }
  .mean {
    margin-top: 4px;
  }
  .axis {
    display: flex;
    justify-content: space-between;
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
    margin-top: 2px;
  }
  .overlay {
    position: absolute;
    inset: 0;
    display: flex;
    align-items: center;
    justify-content: center;
    text-align: center;
    padding: 16px;
    font-size: 13px;
    color: var(--_muted);
  }
  .overlay.error {
    color: var(--_error);
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .tooltip {
    position: absolute;
    z-index: 2;
    pointer-events: none;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 6px;
    padding: 6px 8px;
    box-shadow: 0 2px 8px rgba(0, 0, 0, 0.15);
    white-space: nowrap;
  }
  .tip-time {
    color: var(--_muted);
  }
  .legend {
    display: flex;
    align-items: center;
    gap: 6px;
    margin-top: 8px;
    font-size: 12px;
    color: var(--_muted);
  }
  .ramp {
    width: 120px;
    height: 10px;
    border-radius: 2px;
    background: linear-gradient(to right, ${unsafeCSS(VIRIDIS.join(', '))});
  }
  .nodata {
    width: 10px;
    height: 10px;
    border-radius: 2px;
    margin-left: 10px;
    background: var(--_grid);
    border: 1px solid var(--_border);
  }
  .summary {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    margin: 8px 0 0;
    font-size: 13px;
  }
  .summary b {
    font-variant-numeric: tabular-nums;
  }
  .stragglers .straggler {
    color: var(--_error);
    font-weight: 600;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;

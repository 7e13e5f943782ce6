import { css } from 'lit';

/**
 * What the line-chart elements (`<loss-chart>`, `<metric-chart>`) draw
 * around uPlot alike: the plot area (focusable, for keyboard zoom) and its
 * state overlay, the error banner, the reduction note, the tooltip, the
 * toggling legend and the text kept for screen readers only.
 */
export const chartStyles = css`
  .meta.stale {
    color: var(--_error);
  }
  .note {
    font-size: 11px;
    color: var(--_muted);
    margin: 0 0 4px;
    font-variant-numeric: tabular-nums;
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .plot {
    position: relative;
    height: var(--trainwatch-plot-height, 240px);
    border-radius: 2px;
  }
  .plot:focus {
    outline: none;
  }
  .plot:focus-visible {
    outline: 2px solid var(--_focus, var(--_muted));
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  .header .export {
    align-self: center;
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
  .tooltip {
    position: absolute;
    z-index: 2;
    pointer-events: none;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 6px;
    padding: 6px 8px;
    font-size: 12px;
    box-shadow: 0 2px 8px rgba(0, 0, 0, 0.15);
    white-space: nowrap;
  }
  .tip-x {
    color: var(--_muted);
    margin-bottom: 2px;
  }
  .swatch {
    display: inline-block;
    width: 10px;
    height: 3px;
    margin-right: 6px;
    vertical-align: middle;
    border-radius: 2px;
  }
  .legend {
    list-style: none;
    display: flex;
    flex-wrap: wrap;
    gap: 2px 14px;
    margin: 6px 0 0;
    padding: 0;
    font-size: 12px;
  }
  .legend button {
    font: inherit;
    color: inherit;
    background: none;
    border: 0;
    padding: 2px 0;
    /* WCAG 2.2 target size. */
    min-height: 24px;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
  }
  /* A line switched off: muted and struck through, still readable (fading the text would fail contrast). */
  .legend button[aria-pressed='false'] {
    color: var(--_muted);
    text-decoration: line-through;
  }
  .legend button[aria-pressed='false'] .swatch {
    opacity: 0.3;
  }
  .legend button:focus-visible {
    outline: 2px solid var(--_focus, var(--_muted));
    outline-offset: 2px;
  }
  .legend .value {
    margin-left: 6px;
    font-variant-numeric: tabular-nums;
    color: var(--_muted);
  }
`;

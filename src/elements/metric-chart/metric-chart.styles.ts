import { css } from 'lit';

export const metricChartStyles = css`
  :host {
    min-width: 200px;
  }
  .base {
    padding: 10px 12px 8px;
  }
  .header {
    margin-bottom: 2px;
  }
  .reset {
    font: inherit;
    font-size: 12px;
    color: inherit;
    background: none;
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 1px 8px;
    cursor: pointer;
  }
  .reset:focus-visible {
    outline: 2px solid var(--_focus, var(--_muted));
    outline-offset: 2px;
  }
  .tooltip {
    font-variant-numeric: tabular-nums;
  }
  .swatch {
    flex: none;
  }
  .legend {
    max-height: 7.5em;
    overflow-y: auto;
  }
`;

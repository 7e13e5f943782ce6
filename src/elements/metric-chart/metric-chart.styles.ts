import { css } from 'lit';

export const metricChartStyles = css`
  :host {
    min-width: 200px;
  }
  .base {
    padding: 10px 12px 8px;
  }
  header {
    margin-bottom: 2px;
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

import { css } from 'lit';

export const metricDetailStyles = css`
  :host {
    width: 100%;
    min-width: 280px;
  }
  .plot {
    height: var(--trainwatch-plot-height, 420px);
  }
  .reset,
  .spikes button,
  .first-bad button {
    font: inherit;
    font-size: 12px;
    color: inherit;
    background: none;
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 1px 8px;
    min-height: 24px;
    cursor: pointer;
  }
  .reset:focus-visible,
  .spikes button:focus-visible,
  .first-bad button:focus-visible {
    outline: 2px solid var(--_focus, var(--_muted));
    outline-offset: 2px;
  }
  .stats {
    margin-top: 8px;
    font-size: 12px;
  }
  .stats .range {
    margin: 0 0 4px;
    color: var(--_muted);
  }
  .stats dl {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 18px;
    margin: 0;
  }
  .stats dl div {
    display: flex;
    flex-direction: column;
  }
  .stats dt {
    color: var(--_muted);
    font-size: 11px;
  }
  .stats dd {
    margin: 0;
    font-size: 14px;
    font-variant-numeric: tabular-nums;
  }
  .settling dd,
  .spikes.settling ul,
  .first-bad.settling button {
    opacity: 0.7;
  }
  .first-bad {
    margin: 8px 0 0;
    font-size: 12px;
  }
  .first-bad.none {
    color: var(--_muted);
  }
  .first-bad button {
    font-variant-numeric: tabular-nums;
    border-color: var(--_bad);
  }
  .spikes {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 8px;
    margin-top: 8px;
    font-size: 12px;
  }
  .spikes .label {
    font-weight: 600;
  }
  .spikes ul {
    display: contents;
    list-style: none;
  }
  .spikes li {
    display: inline;
  }
  .spikes button {
    font-variant-numeric: tabular-nums;
    border-color: var(--_bad);
  }
  .spikes .none,
  .spikes .rule,
  .checkpoints {
    color: var(--_muted);
  }
  .spikes .rule {
    flex-basis: 100%;
    font-size: 11px;
  }
  .checkpoints {
    font-size: 12px;
    margin: 4px 0 0;
  }
`;

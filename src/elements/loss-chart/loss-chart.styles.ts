import { css } from 'lit';

export const lossChartStyles = css`
  :host {
    display: block;
    min-width: 200px;
    font-family: var(--_font);
    color: var(--_fg);
  }
  :host([hidden]) {
    display: none;
  }
  .base {
    position: relative;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--trainwatch-radius, 8px);
    padding: 10px 12px 8px;
  }
  .header {
    display: flex;
    align-items: baseline;
    gap: 8px;
    margin-bottom: 4px;
  }
  .title {
    font-weight: 600;
    font-size: 14px;
    flex: 1;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .meta {
    font-size: 12px;
    color: var(--_muted);
    white-space: nowrap;
  }
  .legend .missing {
    color: var(--_muted);
    font-style: italic;
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
`;

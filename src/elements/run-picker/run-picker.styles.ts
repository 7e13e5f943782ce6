import { css } from 'lit';

export const runPickerStyles = css`
  .base {
    padding: 6px 8px;
  }
  ul {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  button {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font: inherit;
    font-size: 12px;
    color: var(--_fg);
    background: transparent;
    border: 1px solid var(--_border);
    border-radius: 999px;
    padding: 3px 10px 3px 8px;
    cursor: pointer;
  }
  button[aria-pressed='true'] {
    border-color: var(--_run);
    background: color-mix(in srgb, var(--_run) 14%, transparent);
  }
  button[aria-pressed='false'] {
    opacity: 0.6;
  }
  button:focus-visible {
    outline: 2px solid var(--_run);
    outline-offset: 1px;
  }
  .dot {
    width: 9px;
    height: 9px;
    border-radius: 50%;
    background: var(--_run);
  }
  .name {
    font-weight: 600;
  }
  .status {
    font-size: 11px;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_grid);
    color: var(--_muted);
  }
  .status.live {
    color: #1a7f37;
  }
  .status.failed {
    color: var(--_error);
  }
  .detail {
    color: var(--_muted);
  }
`;

import { css } from 'lit';

/*
 * Text in a badge sits on the run's tint: the tint stays light (8%) so muted
 * and status text keep WCAG AA contrast (4.5:1) on every palette colour in
 * both themes. An unselected badge is told apart by its hollow dot and plain
 * border, not by fading its text.
 */
export const runPickerStyles = css`
  .base {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    padding: 6px 8px;
  }
  .message,
  ul {
    flex: 1;
  }
  ul {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  button[part='badge'] {
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
    background: color-mix(in srgb, var(--_run) 8%, var(--_bg));
  }
  button[part='badge']:focus-visible {
    outline: 2px solid var(--_fg);
    outline-offset: 1px;
  }
  .dot {
    box-sizing: border-box;
    width: 9px;
    height: 9px;
    border-radius: 50%;
    border: 2px solid var(--_run);
  }
  button[aria-pressed='true'] .dot {
    background: var(--_run);
  }
  .name {
    font-weight: 600;
  }
  .status {
    font-size: 11px;
    padding: 0 5px;
    border-radius: 999px;
    border: 1px solid currentColor;
    color: var(--_muted);
  }
  .status.live {
    color: var(--_good);
  }
  .status.failed {
    color: var(--_error);
  }
  .detail {
    color: var(--_muted);
  }
  .banner {
    flex-basis: 100%;
    margin: 0;
    font-size: 12px;
    color: var(--_error);
  }
`;

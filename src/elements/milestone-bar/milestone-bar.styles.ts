import { css } from 'lit';

export const milestoneBarStyles = css`
  .current-value {
    font-size: 20px;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
  }
  .rate {
    font-size: 12px;
    color: var(--_muted);
    margin-left: 8px;
  }
  .stale {
    color: var(--_error);
  }
  .track {
    display: flex;
    gap: 3px;
    margin: 26px 0 8px;
  }
  .segment {
    position: relative;
    flex: 1;
    height: 10px;
    background: var(--_grid);
    border-radius: 2px;
  }
  .fill {
    height: 100%;
    border-radius: 2px;
    background: var(--_fill);
  }
  .mark {
    position: absolute;
    right: -3px;
    top: -22px;
    transform: translateX(50%);
    font-size: 11px;
    font-weight: 600;
    white-space: nowrap;
    color: var(--_muted);
  }
  .mark::after {
    content: '';
    position: absolute;
    left: 50%;
    top: 16px;
    height: 16px;
    border-left: 2px solid currentColor;
  }
  .segment:last-child .mark {
    transform: none;
    right: 0;
  }
  .segment:last-child .mark::after {
    left: auto;
    right: 0;
  }
  .mark.reached {
    color: var(--_good);
  }
  .mark.current {
    color: var(--_fg);
  }
  ol {
    list-style: none;
    margin: 12px 0 0;
    padding: 0;
    display: grid;
    grid-template-columns: auto auto 1fr;
    gap: 3px 12px;
    font-size: 12px;
    font-variant-numeric: tabular-nums;
  }
  li {
    display: contents;
  }
  .label {
    font-weight: 600;
  }
  .label::before {
    content: '○' / '';
    display: inline-block;
    width: 1.3em;
    color: var(--_muted);
  }
  li.reached .label::before {
    content: '✓' / '';
    color: var(--_good);
  }
  li.current .label::before {
    content: '●' / '';
    color: var(--_fill);
  }
  .target,
  li.later .status {
    color: var(--_muted);
  }
`;

import { css } from 'lit';

export const sampleViewerStyles = css`
  .live {
    color: var(--_good);
  }
  .swatch {
    display: inline-block;
    width: 8px;
    height: 8px;
    border-radius: 2px;
    margin-right: 4px;
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    margin-bottom: 6px;
  }
  button,
  select {
    font: inherit;
    font-size: 12px;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 2px 8px;
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  button:focus-visible,
  select:focus-visible {
    outline: 2px solid var(--_muted);
    outline-offset: 1px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .summary {
    font-size: 12px;
    color: var(--_muted);
    margin: 0 0 6px;
  }
  .cards {
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .cards.loading {
    opacity: 0.5;
  }
  .sample {
    border: 1px solid var(--_border);
    border-radius: 6px;
    padding: 8px 10px;
  }
  .scores {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 14px;
    margin: 0 0 6px;
    font-size: 12px;
  }
  .score {
    display: flex;
    gap: 4px;
    align-items: baseline;
  }
  .score dt {
    color: var(--_muted);
  }
  .score dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  .score.main dd {
    font-weight: 600;
  }
  .score dd.bad {
    color: var(--_error);
  }
  .field h3 {
    font-size: 11px;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--_muted);
    margin: 6px 0 2px;
  }
  .text {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 12px;
    line-height: 1.45;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    margin: 0;
    padding: 6px 8px;
    background: var(--_select);
    border-radius: 4px;
  }
  .text.clamped {
    max-height: var(--trainwatch-sample-text-height, 14em);
    overflow: hidden;
    mask-image: linear-gradient(to bottom, black 75%, transparent);
  }
  .more {
    margin-top: 4px;
    border: 0;
    padding: 2px 0;
    background: none;
    color: var(--_muted);
    text-decoration: underline;
  }
  .none {
    font-size: 12px;
    color: var(--_muted);
    margin: 0;
  }
  .malformed {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 6px;
  }
`;

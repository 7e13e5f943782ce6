import { css } from 'lit';

export const moeTokensStyles = css`
  :host {
    --_bar: color-mix(in srgb, var(--_muted) 45%, transparent);
  }
  .header {
    flex-wrap: wrap;
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 6px;
    margin: 0 0 8px;
    font-size: 12px;
  }
  .legend.none {
    color: var(--_muted);
  }
  .legend-title {
    color: var(--_muted);
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    font: inherit;
    color: var(--_fg);
    background: transparent;
    border: 1px solid var(--_border);
    border-radius: 10px;
    padding: 1px 7px;
    cursor: pointer;
  }
  .chip[aria-pressed='true'] {
    border-color: var(--_token, var(--_muted));
    box-shadow: inset 0 0 0 1px var(--_token, var(--_muted));
  }
  .more {
    font: inherit;
    background: transparent;
    border: 1px dashed var(--_border);
    border-radius: 10px;
    padding: 1px 7px;
    cursor: pointer;
  }
  .swatch {
    width: 8px;
    height: 8px;
    border-radius: 2px;
    background: var(--_token, var(--_bar));
  }
  .experts,
  .more {
    color: var(--_muted);
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(var(--trainwatch-panel-width, 180px), 1fr));
    gap: 8px;
  }
  .panel {
    border: 1px solid var(--_border);
    border-radius: 6px;
    padding: 6px 8px;
    min-width: 0;
  }
  h3 {
    display: flex;
    justify-content: space-between;
    gap: 6px;
    margin: 0 0 4px;
    font-size: 12px;
    font-weight: 600;
  }
  .drift {
    font-weight: 400;
    color: var(--_muted);
  }
  .bars {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 3px;
  }
  .bar {
    display: grid;
    grid-template-columns: minmax(0, 38%) 1fr auto;
    align-items: center;
    gap: 6px;
    font-size: 12px;
    transition: opacity 0.15s;
  }
  /* Dimmed bars fade their fill; their text turns muted rather than transparent, so it keeps its contrast. */
  .bar.dimmed .fill {
    opacity: 0.3;
  }
  .bar.dimmed .token,
  .bar.dimmed .pct {
    color: var(--_muted);
  }
  .token {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: pre;
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  }
  .bar.shared .text {
    border-bottom: 2px solid var(--_token, var(--_muted));
  }
  .bar.uncoloured .text {
    border-bottom-style: dashed;
  }
  .ws {
    color: var(--_muted);
  }
  .entered {
    color: var(--_good);
    font-size: 9px;
    margin-right: 2px;
    vertical-align: 1px;
  }
  .track {
    height: 10px;
    border-radius: 2px;
    background: color-mix(in srgb, var(--_muted) 10%, transparent);
    overflow: hidden;
  }
  .fill {
    display: block;
    height: 100%;
    background: var(--_token, var(--_bar));
  }
  .bar.uncoloured .fill {
    background: var(--_bar);
  }
  .pct {
    font-variant-numeric: tabular-nums;
    color: var(--_muted);
    min-width: 4.2em;
    text-align: right;
  }
`;

import { css } from 'lit';

/**
 * Cells are filled with the theme's status colours and carry their value in
 * the card's background colour: contrast is symmetric, so the text keeps the
 * ratio the tokens are chosen for on the card (≥ 4.9:1 light, ≥ 5.6:1 dark).
 * A cell without data is not a colour at all: hatched, outlined, empty.
 */
export const healthTableStyles = css`
  .header {
    flex-wrap: wrap;
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .scroll {
    overflow-x: auto;
  }
  table {
    border-collapse: separate;
    border-spacing: 3px;
    font-size: 12px;
    font-variant-numeric: tabular-nums;
  }
  th {
    font-weight: 500;
    color: var(--_muted);
    padding: 2px 6px;
    white-space: nowrap;
    text-align: center;
  }
  th[scope='row'] {
    text-align: left;
    color: var(--_fg);
    max-width: 18em;
    overflow: hidden;
    text-overflow: ellipsis;
    border-radius: 3px;
  }
  th.corner {
    text-align: left;
  }
  th a,
  .cell a {
    color: inherit;
    text-decoration: none;
    border-radius: 3px;
  }
  th a {
    text-decoration: underline dotted;
    text-underline-offset: 3px;
  }
  th a:hover {
    text-decoration: underline;
  }
  .cell {
    min-width: 44px;
    height: 26px;
    padding: 0;
    text-align: center;
    border-radius: 3px;
    color: var(--_bg);
    font-weight: 600;
    cursor: default;
  }
  .cell a,
  .cell > .value {
    display: flex;
    align-items: center;
    justify-content: center;
    min-height: 26px;
    height: 100%;
    cursor: pointer;
  }
  .cell a {
    padding: 0 4px;
  }
  .cell.good {
    background: var(--_good);
  }
  .cell.warn {
    background: var(--_warn);
  }
  .cell.bad {
    background: var(--_bad);
  }
  .cell.none,
  .swatch.none {
    background-color: transparent;
    background-image: repeating-linear-gradient(45deg, var(--_grid) 0 3px, transparent 3px 6px);
    outline: 1px dashed var(--_muted);
    outline-offset: -1px;
  }
  .cell:focus-visible,
  .cell a:focus-visible,
  th:focus-visible,
  th a:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 1px;
  }
  .cell:hover,
  .cell a:hover {
    box-shadow: inset 0 0 0 2px var(--_fg);
  }
  .detail {
    min-height: 1.4em;
    margin: 6px 0 0;
    font-size: 12px;
    line-height: 1.45;
    font-variant-numeric: tabular-nums;
  }
  .detail .head {
    font-weight: 600;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 12px;
    margin-top: 8px;
    font-size: 11px;
    color: var(--_muted);
  }
  .legend > span {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .swatch {
    display: inline-block;
    width: 12px;
    height: 10px;
    border-radius: 2px;
  }
  .swatch.good {
    background: var(--_good);
  }
  .swatch.warn {
    background: var(--_warn);
  }
  .swatch.bad {
    background: var(--_bad);
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
`;

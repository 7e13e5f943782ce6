import { css } from 'lit';

export const checkpointTableStyles = css`
  .summary {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    margin: 0 0 8px;
    padding: 0;
    list-style: none;
    font-size: 12px;
    color: var(--_muted);
  }
  .summary .run {
    color: var(--_fg);
    font-weight: 600;
  }
  .swatch {
    display: inline-block;
    width: 8px;
    height: 8px;
    border-radius: 2px;
    margin-right: 5px;
    vertical-align: 0;
  }
  .scroll {
    overflow: auto;
    max-height: var(--trainwatch-table-max-height, 360px);
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 12px;
    font-variant-numeric: tabular-nums;
  }
  th {
    position: sticky;
    top: 0;
    background: var(--_bg);
    border-bottom: 1px solid var(--_border);
    text-align: left;
    font-weight: 600;
    padding: 0;
    white-space: nowrap;
    z-index: 1;
  }
  th button {
    all: inherit;
    display: block;
    width: 100%;
    box-sizing: border-box;
    padding: 4px 8px;
    cursor: pointer;
  }
  th button:focus-visible {
    outline: 2px solid var(--_fg);
    outline-offset: -2px;
  }
  th .arrow {
    color: var(--_muted);
    margin-left: 3px;
  }
  td {
    padding: 3px 8px;
    border-bottom: 1px solid var(--_grid);
    white-space: nowrap;
  }
  .num {
    text-align: right;
  }
  tbody tr {
    cursor: pointer;
  }
  tbody tr:hover {
    background: var(--_select);
  }
  tbody tr[aria-current='true'] {
    background: var(--_select);
    box-shadow: inset 3px 0 0 var(--_fg);
  }
  tbody tr:focus-visible {
    outline: 2px solid var(--_fg);
    outline-offset: -2px;
  }
  td[data-column='path'] {
    max-width: 28ch;
    overflow: hidden;
    text-overflow: ellipsis;
    font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
  }
  .muted {
    color: var(--_muted);
  }
  .best {
    font-weight: 700;
    background: rgba(26, 127, 55, 0.16);
    border-radius: 3px;
    padding: 0 3px;
    margin: 0 -3px;
  }
  a {
    color: inherit;
  }
  .banner {
    margin: 0 0 6px;
    font-size: 12px;
    color: var(--_error);
  }
`;

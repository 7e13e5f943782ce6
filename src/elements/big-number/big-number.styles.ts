import { css } from 'lit';

export const bigNumberStyles = css`
  :host {
    --_size: var(--trainwatch-big-number-size, 36px);
  }
  .runs {
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  .run {
    display: grid;
    grid-template-columns: auto 1fr;
    grid-template-areas:
      'figure figure'
      'spark spark'
      'caption caption';
    align-items: baseline;
  }
  .multi {
    container-type: inline-size;
  }
  .multi .run {
    grid-template-columns: minmax(0, 1fr) minmax(72px, 1fr);
    grid-template-areas:
      'name name'
      'figure spark'
      'caption caption';
    column-gap: 12px;
    align-items: center;
  }
  @container (min-width: 440px) {
    .multi .run {
      grid-template-columns: minmax(4em, 10em) auto minmax(72px, 1fr);
      grid-template-areas:
        'name figure spark'
        'name caption spark';
    }
  }
  .name {
    grid-area: name;
    font-size: 13px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .swatch {
    display: inline-block;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    margin-right: 6px;
  }
  .figure {
    grid-area: figure;
    display: flex;
    align-items: baseline;
    gap: 10px;
    flex-wrap: wrap;
  }
  .value {
    font-size: var(--_size);
    font-weight: 600;
    line-height: 1.1;
    font-variant-numeric: tabular-nums;
    min-width: 0;
  }
  .multi .value {
    font-size: calc(var(--_size) * 0.6);
  }
  .sparkline {
    grid-area: spark;
    display: block;
    width: 100%;
    height: 32px;
    margin-top: 4px;
    overflow: visible;
    color: var(--_fg);
  }
  .sparkline.level-none {
    color: var(--_muted);
  }
  .level-good {
    color: var(--_good);
  }
  .level-warn {
    color: var(--_warn);
  }
  .level-bad {
    color: var(--_bad);
  }
  .level-muted {
    color: var(--_muted);
  }
  .change {
    font-size: 13px;
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .change.better {
    color: var(--_good);
  }
  .change.worse {
    color: var(--_bad);
  }
  .multi .sparkline {
    height: 24px;
    margin-top: 0;
  }
  .sparkline path {
    fill: none;
    stroke: currentColor;
    stroke-width: 1.5;
    stroke-linecap: round;
    stroke-linejoin: round;
    vector-effect: non-scaling-stroke;
  }
  .caption {
    grid-area: caption;
    font-size: 12px;
    color: var(--_muted);
    min-height: 0;
  }
  .age.stale {
    color: var(--_error);
  }
  .note {
    font-size: 12px;
    color: var(--_muted);
    font-style: italic;
  }
  .banner {
    font-size: 12px;
    color: var(--_error);
    margin: 0 0 4px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

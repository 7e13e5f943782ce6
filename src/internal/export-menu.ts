/**
 * The export menu every element shows in its header: a disclosure button
 * (a native <details>, so it opens with Enter/Space and needs no script to be
 * reachable) listing what can be downloaded. Escape closes it.
 */
import { css, html, type TemplateResult } from 'lit';

export interface ExportItem {
  /** What the entry downloads, e.g. "PNG image", "CSV of what is shown". */
  label: string;
  run: () => unknown;
}

function close(event: Event) {
  const menu = (event.currentTarget as HTMLElement).closest('details');
  if (menu) menu.open = false;
}

function onKeydown(event: KeyboardEvent) {
  if (event.key !== 'Escape') return;
  const menu = event.currentTarget as HTMLDetailsElement;
  if (!menu.open) return;
  menu.open = false;
  menu.querySelector('summary')?.focus();
  event.stopPropagation();
}

/** The menu; `what` names the element's content for screen readers ("Export loss chart"). */
export function renderExportMenu(items: readonly ExportItem[], what: string): TemplateResult {
  return html`<details class="export" part="export" @keydown=${onKeydown}>
    <summary title="Export" aria-label=${`Export ${what}`}>⤓</summary>
    <div class="export-items" part="export-menu">
      ${items.map(
        (item) =>
          html`<button
            type="button"
            @click=${(event: Event) => {
              close(event);
              void item.run();
            }}
          >
            ${item.label}
          </button>`,
      )}
    </div>
  </details>`;
}

export const exportMenuStyles = css`
  .export {
    position: relative;
    font-size: 12px;
  }
  .export summary {
    list-style: none;
    cursor: pointer;
    color: var(--_muted);
    padding: 0 4px;
    border-radius: 4px;
    line-height: 18px;
    /* WCAG 2.2 target size: at least 24 × 24 px. */
    min-width: 24px;
    min-height: 24px;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    box-sizing: border-box;
  }
  .export summary::-webkit-details-marker {
    display: none;
  }
  .export summary:hover,
  .export[open] summary {
    color: var(--_fg);
    background: var(--_grid);
  }
  .export summary:focus-visible,
  .export-items button:focus-visible {
    outline: 2px solid var(--_focus, var(--_muted));
    outline-offset: 1px;
  }
  .export-items {
    position: absolute;
    right: 0;
    top: calc(100% + 4px);
    z-index: 3;
    display: flex;
    flex-direction: column;
    min-width: 180px;
    padding: 4px;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 6px;
    box-shadow: 0 2px 8px rgba(0, 0, 0, 0.15);
  }
  .export-items button {
    font: inherit;
    color: var(--_fg);
    background: none;
    border: 0;
    border-radius: 4px;
    padding: 5px 8px;
    text-align: left;
    cursor: pointer;
    white-space: nowrap;
  }
  .export-items button:hover {
    background: var(--_grid);
  }
`;

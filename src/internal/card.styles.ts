import { css } from 'lit';

/**
 * The card every element draws in: border, header with title and meta, state
 * overlays. Elements add their own rules after these.
 */
export const cardStyles = css`
  :host {
    display: block;
    min-width: 160px;
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
    padding: 10px 12px;
    box-sizing: border-box;
    height: 100%;
  }
  header,
  .header {
    display: flex;
    align-items: baseline;
    gap: 8px;
    margin-bottom: 6px;
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
  .message {
    font-size: 13px;
    color: var(--_muted);
    padding: 12px 0;
    text-align: center;
  }
  .message.error {
    color: var(--_error);
  }
  /* Anything focusable that sets no ring of its own gets one in the theme's focus colour,
     so focus looks alike across elements and follows light / dark. */
  :where(.base) :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
`;

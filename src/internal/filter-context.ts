/**
 * Page-wide filters: what a `<trainwatch-filters>` hands down to the elements
 * inside it (the same Lit context protocol as `<trainwatch-source>`). An
 * element's own attribute always wins; a filter fills what it leaves unset.
 */
import { createContext } from '@lit/context';

export interface PageFilters {
  /** Run ids, comma-separated, for elements without a `run` of their own. */
  run?: string;
  /** Host to restrict to, for elements whose data has hosts (empty: every host). */
  host?: string;
  /** Time window (`15m`, `24h`, `7d`, `all`) for elements without a `window` of their own. */
  window?: string;
}

/** Keyed by a registered symbol so two copies of trainwatch on one page still find each other's filters. */
export const filterContext = createContext<PageFilters | undefined>(Symbol.for('trainwatch-filters'));

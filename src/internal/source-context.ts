/**
 * What a `<trainwatch-source>` hands down to the elements inside it, through
 * the Lit context protocol (a `context-request` event that crosses shadow
 * roots, so elements nested in another component's shadow DOM inherit too).
 */
import { ContextRoot, createContext } from '@lit/context';
import type { SourceConfig } from '../store/registry.js';

/** Fields a source element sets; unset ones fall through to the next source out, then `configure()`. */
export type SourceSettings = Partial<SourceConfig>;

/** Keyed by a registered symbol so two copies of trainwatch on one page still find each other's sources. */
export const sourceContext = createContext<SourceSettings | undefined>(Symbol.for('trainwatch-source'));

/**
 * The fields that only make sense with the URL they were given for: an
 * element or source that names its own URL never inherits someone else's
 * credentials (a page's password must not travel to another server).
 */
const CREDENTIALS = ['user', 'password', 'token'] as const;

/**
 * `inner` over `outer`, field by field; when `inner` names a URL, the
 * credentials come from `inner` alone.
 */
export function layerSource<T extends SourceSettings>(outer: T, inner: SourceSettings): T {
  const merged: SourceSettings = { ...outer };
  if (inner.url !== undefined) for (const field of CREDENTIALS) delete merged[field];
  for (const [field, value] of Object.entries(inner) as Array<[keyof SourceSettings, unknown]>) {
    if (value !== undefined && value !== '') (merged as Record<string, unknown>)[field] = value;
  }
  return merged as T;
}

let root: ContextRoot | undefined;

/**
 * Elements that connect before a `<trainwatch-source>` around them is defined
 * (tags upgrade in definition order, and a page may load the source element
 * later) get their answer once it is: a context root on the document keeps
 * their requests until a provider appears.
 */
export function ensureContextRoot(): void {
  if (root || typeof document === 'undefined') return;
  const key = Symbol.for('trainwatch-context-root');
  const holder = document as unknown as Record<symbol, ContextRoot | undefined>;
  root = holder[key];
  if (root) return;
  root = new ContextRoot();
  root.attach(document.documentElement);
  holder[key] = root;
}

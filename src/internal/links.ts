/**
 * Links made from templates a page (or a URL) supplies: only web links are
 * ever rendered, so `javascript:alert(1)` in an `href` or `detail-href`
 * template, or in a link's parameter, cannot become something to click.
 */

/** True when `href` leads to a web page (http or https, relative ones included). */
export function isWebLink(href: string, base = (globalThis as { document?: { baseURI: string } }).document?.baseURI): boolean {
  try {
    return /^https?:$/.test(new URL(href, base).protocol);
  } catch {
    return false;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `encodeURIComponent` that cannot throw: a lone surrogate (which makes it throw URIError) becomes U+FFFD. */
export function encodePart(text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
}

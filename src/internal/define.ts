/**
 * Defines a custom element safely on pages we do not control: the bundle may
 * be loaded twice, or the page may already own the tag. Defining the same
 * class again is a no-op; a different class under a taken name warns instead
 * of throwing, so one widget's conflict never breaks the whole page.
 */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  const existing = customElements.get(tag);
  if (existing === ctor) return;
  if (existing) {
    console.warn(`trainwatch: <${tag}> is already defined by another class; keeping the existing definition.`);
    return;
  }
  customElements.define(tag, ctor);
}

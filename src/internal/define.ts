/**
 * Defines a custom element safely on pages we do not control: the bundle may
 * be loaded twice, or the page may already own the tag. Defining the same
 * class again is a no-op; a different class under a taken name warns instead
 * of throwing, so one widget's conflict never breaks the whole page.
 */
/** Marks the classes trainwatch defined, across copies of the library on one page. */
const TRAINWATCH = Symbol.for('trainwatch-element');

export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  const existing = customElements.get(tag);
  if (existing === ctor) return;
  // Another copy of trainwatch got there first (a second notebook cell inlining the bundle): expected, not worth a warning.
  if (existing && TRAINWATCH in existing) return;
  if (existing) {
    console.warn(`trainwatch: <${tag}> is already defined by another class; keeping the existing definition.`);
    return;
  }
  Object.defineProperty(ctor, TRAINWATCH, { value: true });
  customElements.define(tag, ctor);
}

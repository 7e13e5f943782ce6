/**
 * custom-elements.json as Storybook reads it: the docs table of each element (attributes
 * with live controls, properties, methods, events, CSS parts and custom properties) and
 * a render function that applies every attribute and custom property the controls set,
 * so every row of the table drives the story.
 *
 * `.storybook/preview.ts` hands the manifest to `setCustomElementsManifest()`; this reads
 * it back through `getCustomElements()`.
 */
import type { ArgTypes, StoryContext } from '@storybook/web-components-vite';
import { getCustomElements } from '@storybook/web-components-vite';
import { nothing, type TemplateResult } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';
import { html, unsafeStatic } from 'lit/static-html.js';

interface Typed {
  name: string;
  description?: string;
  summary?: string;
  type?: { text: string };
  default?: string;
}

interface Member extends Typed {
  kind: 'field' | 'method';
  attribute?: string;
  readonly?: boolean;
  static?: boolean;
  privacy?: string;
  parameters?: Typed[];
  return?: { type?: { text: string } };
}

export interface ElementDeclaration {
  name: string;
  tagName?: string;
  summary?: string;
  description?: string;
  attributes?: (Typed & { fieldName?: string })[];
  members?: Member[];
  events?: Typed[];
  cssParts?: Typed[];
  cssProperties?: Typed[];
  slots?: Typed[];
}

interface Manifest {
  modules: { declarations?: ElementDeclaration[] }[];
}

/** The manifest entry of a tag (throws for a tag the manifest does not know: a story naming the wrong component). */
export function declarationOf(tag: string): ElementDeclaration {
  const manifest = getCustomElements() as Manifest | undefined;
  const found = manifest?.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === tag);
  if (!found) throw new Error(`<${tag}> is not in custom-elements.json: run \`npm run manifest\`.`);
  return found;
}

/** `trainwatch-state` → `onTrainwatchState`, the arg Storybook gives an event's action. */
export const eventArg = (event: string) => `on${event.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase())}`;

/** The choices of a string-literal union (`'step' | 'time' | 'relative' | undefined`), if the type is one. */
function literalChoices(type: string): string[] | undefined {
  const parts = type.split('|').map((p) => p.trim()).filter((p) => p !== 'undefined' && p !== 'null');
  return parts.length > 1 && parts.every((p) => /^'[^']*'$/.test(p)) ? parts.map((p) => p.slice(1, -1)) : undefined;
}

/** A control for an attribute of this type: radio or select for unions, boolean, number, else text. */
function controlFor(type: string | undefined): Pick<ArgTypes[string], 'control' | 'options'> {
  const choices = type ? literalChoices(type) : undefined;
  // Object form: Storybook normalises `control: 'text'` in stories, not in what extractArgTypes returns.
  if (choices) return { control: { type: choices.length <= 4 ? 'inline-radio' : 'select' }, options: choices };
  const base = (type ?? 'string').replace(/\s*\|\s*(undefined|null)/g, '').trim();
  if (base === 'boolean') return { control: { type: 'boolean' } };
  if (base === 'number') return { control: { type: 'number' } };
  return { control: { type: 'text' } };
}

const row = (category: string, item: Typed, type?: string) => ({
  name: item.name,
  description: [item.summary, item.description].filter(Boolean).join('\n\n'),
  table: {
    category,
    ...(type ? { type: { summary: type } } : {}),
    ...(item.default !== undefined ? { defaultValue: { summary: item.default } } : {}),
  },
});

/**
 * The docs table of a tag from the manifest. Attributes (named as in HTML) and CSS custom
 * properties carry controls that `renderElement` applies; properties that are not an
 * attribute, methods, events, parts and slots are listed without one.
 */
export function manifestArgTypes(tag: string): ArgTypes {
  const element = declarationOf(tag);
  const argTypes: ArgTypes = {};
  const fields = new Set((element.attributes ?? []).map((a) => a.fieldName));
  for (const attribute of element.attributes ?? []) {
    argTypes[attribute.name] = { ...row('attributes', attribute, attribute.type?.text), ...controlFor(attribute.type?.text) };
  }
  for (const member of element.members ?? []) {
    if (fields.has(member.name) || member.static || member.privacy === 'private' || member.privacy === 'protected') continue;
    if (member.kind === 'field') {
      const type = `${member.readonly ? 'readonly ' : ''}${member.type?.text ?? 'unknown'}`;
      argTypes[`property:${member.name}`] = { ...row('properties', member, type), control: false };
    } else {
      const signature = `(${(member.parameters ?? []).map((p) => `${p.name}${p.type ? `: ${p.type.text}` : ''}`).join(', ')}) => ${member.return?.type?.text ?? 'void'}`;
      argTypes[`method:${member.name}`] = { ...row('methods', member, signature), control: false };
    }
  }
  for (const event of element.events ?? []) {
    argTypes[eventArg(event.name)] = { ...row('events', event, event.type?.text ?? 'CustomEvent'), action: event.name, control: false };
  }
  for (const property of element.cssProperties ?? []) {
    argTypes[property.name] = { ...row('css custom properties', property), control: { type: 'text' } };
  }
  for (const part of element.cssParts ?? []) argTypes[`part:${part.name}`] = { ...row('css shadow parts', part), control: false };
  for (const slot of element.slots ?? []) argTypes[`slot:${slot.name || 'default'}`] = { ...row('slots', { ...slot, name: slot.name || '(default)' }), control: false };
  return argTypes;
}

/** The summary and description of the class's JSDoc, for the top of its docs page. */
export function manifestDescription(tag: string): string {
  const element = declarationOf(tag);
  return [element.summary, element.description].filter(Boolean).join('\n\n');
}

interface Applied {
  attributes: Record<string, string | number | boolean | null | undefined>;
  listeners: Record<string, ((event: Event) => void) | undefined>;
  style: string;
}

/** Sets the attributes, listeners and style it is given on its element, removing what is no longer given. */
class ApplyDirective extends Directive {
  private previous: Applied = { attributes: {}, listeners: {}, style: '' };

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('apply() goes on an element');
  }

  override update(part: ElementPart, [next]: [Applied]) {
    const element = part.element;
    for (const name of new Set([...Object.keys(this.previous.attributes), ...Object.keys(next.attributes)])) {
      const value = next.attributes[name];
      if (value === undefined || value === null || value === false || value === '') element.removeAttribute(name);
      else element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const name of new Set([...Object.keys(this.previous.listeners), ...Object.keys(next.listeners)])) {
      if (this.previous.listeners[name] === next.listeners[name]) continue;
      if (this.previous.listeners[name]) element.removeEventListener(name, this.previous.listeners[name]);
      if (next.listeners[name]) element.addEventListener(name, next.listeners[name]);
    }
    if (next.style !== this.previous.style) {
      if (next.style) element.setAttribute('style', next.style);
      else element.removeAttribute('style');
    }
    this.previous = next;
    return nothing;
  }

  render(_applied: Applied) {
    return nothing;
  }
}

const apply = directive(ApplyDirective);

export interface RenderOptions {
  /** Inline style of the element, before the custom properties the controls set. */
  style?: string;
  /** Light DOM content (for `<trainwatch-source>`). */
  content?: TemplateResult;
}

/**
 * Renders a tag from its story's args: every attribute of the manifest with its arg's
 * value (booleans as presence), `theme` following the toolbar when unset, each event to
 * its `on…` action, each `--trainwatch-*` arg as a custom property. Changing a control
 * updates the element in place.
 */
export function renderElement(tag: string, storyArgs: object, context: Pick<StoryContext, 'globals'>, options: RenderOptions = {}): TemplateResult {
  const element = declarationOf(tag);
  const args = storyArgs as Record<string, unknown>;
  const attributes: Applied['attributes'] = {};
  for (const { name } of element.attributes ?? []) {
    const value = args[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[name] = value;
  }
  if ((element.attributes ?? []).some((a) => a.name === 'theme') && !attributes.theme) {
    attributes.theme = context.globals.theme === 'dark' ? 'dark' : 'light';
  }
  const listeners: Applied['listeners'] = {};
  for (const { name } of element.events ?? []) {
    const handler = args[eventArg(name)];
    if (typeof handler === 'function') listeners[name] = handler as (event: Event) => void;
  }
  const custom = (element.cssProperties ?? [])
    .filter(({ name }) => typeof args[name] === 'string' && args[name] !== '')
    .map(({ name }) => `${name}: ${String(args[name])}`);
  const style = [options.style, ...custom].filter(Boolean).join('; ');
  const name = unsafeStatic(tag);
  return html`<${name} ${apply({ attributes, listeners, style })}>${options.content ?? nothing}</${name}>`;
}

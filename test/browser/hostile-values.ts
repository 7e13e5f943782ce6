/**
 * fast-check arbitraries of what a careless or hostile page, link or user puts
 * in an attribute, a property or a URL parameter: quotes, backslashes, SQL
 * fragments, ClickHouse placeholders, `$` sequences, NUL, lone surrogates,
 * bidi and zero-width characters, markup that would run if it were parsed,
 * `javascript:` URLs, empty and blank text, numbers JavaScript reads its own
 * way (`0x10`, `1e309`, `-0`, ` 5 `) and 100 KB strings.
 *
 * Markup and scripts set `window.__twPwned` if they ever run.
 */
import fc from 'fast-check';

export const PWNED = '__twPwned';

/** Fragments that must stay data wherever they land. */
export const FRAGMENTS = [
  "'",
  '"',
  '`',
  '\\',
  "\\'",
  "' OR 1=1 --",
  "' OR '1'='1",
  "'); DROP TABLE training_observability.metric_points; --",
  '"; DROP TABLE x; --',
  "1; SELECT * FROM system.users --",
  "' UNION ALL SELECT 1 --",
  '{x:String}',
  '{run:String}',
  '{q0_run:String}',
  '{tr0:UInt64}',
  '{{table}}',
  '{ run : String }',
  '}{',
  '$1',
  '${x}',
  '$$',
  '$&',
  "$'",
  '%00',
  '%',
  '_',
  '*',
  '\u0000',
  'a\u0000b',
  '\n',
  '\r\n',
  '\t',
  '\uD800',
  '\uDFFF',
  'x\uDBFF',
  '\u202Eevil\u202C',
  '\u200B',
  '\uFEFF',
  '\u2028',
  'é',
  '😀',
  '👩‍👩‍👧',
  'مرحبا',
  `<img src=x onerror="window.${PWNED}=1">`,
  `<script>window.${PWNED}=1</script>`,
  `"><svg onload="window.${PWNED}=1">`,
  `javascript:window.${PWNED}=1`,
  ` JaVaScRiPt:window.${PWNED}=1`,
  `java\tscript:window.${PWNED}=1`,
  'data:text/html,<b>x</b>',
  '//evil.example/',
  '&amp;<>',
  '__proto__',
  'constructor',
  'toString',
  'undefined',
  'null',
  '[object Object]',
  '',
  ' ',
  ',',
  ',,',
  ' , ',
];

/** Text that JavaScript's Number() or parseFloat() read in surprising ways. */
export const NUMBERISH = [
  '',
  ' ',
  '0',
  '-0',
  '+0',
  '1',
  '-1',
  ' 5 ',
  '5px',
  '0x10',
  '0b11',
  '0o7',
  '1e3',
  '1e309',
  '-1e309',
  '1e-400',
  '5e-324',
  'NaN',
  'Infinity',
  '-Infinity',
  '9007199254740993',
  '18446744073709551616',
  '99999999999999999999999999',
  '-99999999999999999999999999',
  '0.1',
  '.5',
  '5.',
  '1,5',
  '1_000',
  '٣',
  '５',
  'true',
  'null',
];

const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Any UTF-16 text, lone surrogates and controls included. */
export const anyText = fc.string({ unit: anyChar, maxLength: 24 });

/** 100 KB of one fragment (capped to a few distinct ones so the batch stays fast). */
export const longText = fc.constantFrom("'", '{x:String}', 'a,', '😀', '\\').map((s) => s.repeat(Math.ceil(100_000 / s.length)));

const numberText = fc.oneof(
  fc.constantFrom(...NUMBERISH),
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }).map(String),
);

/** A hostile text, weighted towards the known fragments and their combinations. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), anyText), { minLength: 2, maxLength: 4 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: anyText },
  { weight: 2, arbitrary: numberText },
  // Lists: most attributes take comma-separated names.
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), anyText), { minLength: 2, maxLength: 5 }).map((parts) => parts.join(',')) },
  { weight: 1, arbitrary: longText },
);

/** Valid-looking values of an enum attribute, bent: case, spaces, NUL, a neighbour's value. */
export function enumText(options: readonly string[]): fc.Arbitrary<string> {
  const option = fc.constantFrom(...options);
  return fc.oneof(
    option,
    option.map((o) => o.toUpperCase()),
    option.map((o) => ` ${o} `),
    option.map((o) => `${o}\u0000`),
    option.map((o) => `${o},${o}`),
    hostileText,
  );
}

/** JSON attributes: valid JSON of every shape, JSON with hostile strings, and not JSON at all. */
export const jsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.array(fc.dictionary(fc.constantFrom('id', 'metric', 'kind', 'label', 'threshold', 'window', 'direction', 'weight'), fc.oneof(hostileText, fc.double(), fc.constant(null))), { maxLength: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('[', '{', '[{]', '[{"metric":}]', '{"__proto__":{"x":1}}', '[{"__proto__":{"polluted":1}}]', 'null', '[]', '[null]', '[1]', '"x"'),
  hostileText,
);

/** What an attribute's declared type says to generate. */
export function valuesFor(typeText: string): fc.Arbitrary<string> {
  const literals = [...typeText.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  if (/\[\]/.test(typeText)) return jsonText;
  if (literals.length) return enumText(literals);
  if (/number/.test(typeText)) return fc.oneof(numberText, hostileText);
  return hostileText;
}

/**
 * Whether `value` could only be in SQL text by having been spliced there: long
 * enough not to occur by chance, and not an identifier (`step`, a table name)
 * that fixed SQL may well contain.
 */
export function isTracer(value: string): boolean {
  return value.length >= 4 && !/^[\w.\s,()=*+-]*$/.test(value);
}

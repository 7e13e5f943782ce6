/**
 * How an element's error message quotes a value it cannot use: a sentence
 * ends `…; got "banana".`, however long or strange the value. Clipped to 80
 * characters, with control characters and lone surrogates escaped, so a
 * 100 KB attribute makes a one-line message; NaN (what `Number("abc")` makes
 * of a number attribute, reflected back as "NaN") says what it means.
 */
export function got(value: unknown): string {
  return String(value) === 'NaN' ? 'got something that is not a number' : `got ${quote(value)}`;
}

/** A value quoted for a message: `"banana"`, clipped and escaped as above. */
export function quote(value: unknown): string {
  return JSON.stringify(clip(value));
}

/** A value clipped to 80 characters for a message (a source's URL in its label). */
export function clip(value: unknown): string {
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** The longest poll interval: a timer longer than 2^31 ms fires at once, so a day is the limit. */
export const MAX_POLL_INTERVAL = 86_400_000;

/** An element's message for a poll interval outside 250 ms to a day, if it is. */
export function pollIntervalError(value: number | null | undefined, written: string | null): string | undefined {
  if (value == null || (value >= 250 && value <= MAX_POLL_INTERVAL)) return undefined;
  return `poll-interval must be at least 250 ms and at most ${MAX_POLL_INTERVAL} (a day); ${got(written ?? value)}.`;
}

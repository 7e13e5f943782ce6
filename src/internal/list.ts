/** Splits a comma-separated attribute into distinct, trimmed, non-empty names. */
export function parseList(value: string | null | undefined): string[] {
  return [...new Set((value ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
}

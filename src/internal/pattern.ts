/**
 * Metric patterns as users write them: `sys.gpu.*.util_percent`, where `*`
 * stands for any run of characters. They reach SQL as a bound LIKE pattern,
 * with LIKE's own wildcards (`%`, `_`) and backslashes escaped, so a metric
 * name containing them matches only itself.
 */
export function globToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

export const isPattern = (name: string): boolean => name.includes('*');

/** The part of a metric name that a pattern's `*` matched (`3` for `sys.gpu.3.util_percent`), or the name. */
export function wildcardPart(pattern: string, metric: string): string {
  if (!isPattern(pattern)) return metric;
  const [head, ...rest] = pattern.split('*');
  const tail = rest.at(-1) ?? '';
  if (metric.startsWith(head) && metric.endsWith(tail) && metric.length >= head.length + tail.length) {
    return metric.slice(head.length, metric.length - tail.length) || metric;
  }
  return metric;
}

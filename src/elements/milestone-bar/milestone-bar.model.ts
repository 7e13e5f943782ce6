/**
 * Milestones as people write them (`3B:3e9,8B:8e9,70B:7e10,SFT:8e10`) and what
 * the bar says about each: when it was reached, or how far along it is and
 * when it will be at the current rate.
 */
import type { MilestoneData } from './milestone-bar.queries.js';

export interface Target {
  label: string;
  value: number;
}

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };
const MAX_TARGETS = 20;
const EXAMPLE = 'use label:value pairs such as "3B:3e9,8B:8e9,SFT:8e10"';

/** A positive number: `3e9`, `3_000_000_000`, `3B`, `500M`, `1.5k`; NaN otherwise. */
export function parseAmount(text: string): number {
  const match = /^(\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)\s*([kmbgt])?$/i.exec(text.trim());
  if (!match) return NaN;
  const value = Number(match[1].replaceAll('_', '')) * (match[2] ? SUFFIX[match[2].toLowerCase()] : 1);
  return Number.isFinite(value) && value > 0 ? value : NaN;
}

/** The targets, smallest first; throws a message for the user on anything it cannot read. */
export function parseTargets(text: string | null | undefined): Target[] {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new Error(`targets is empty: ${EXAMPLE}.`);
  if (items.length > MAX_TARGETS) throw new Error(`targets has ${items.length} entries; at most ${MAX_TARGETS} are shown.`);
  const targets = items.map((item): Target => {
    const colon = item.lastIndexOf(':');
    const label = colon < 0 ? item : item.slice(0, colon).trim();
    const value = parseAmount(colon < 0 ? item : item.slice(colon + 1));
    if (!label || Number.isNaN(value)) {
      throw new Error(`Invalid target "${item.slice(0, 40)}" in targets: ${EXAMPLE} (values may be written 3e9, 3_000_000_000 or 3B).`);
    }
    return { label, value };
  });
  return targets.sort((a, b) => a.value - b.value);
}

export type MilestoneStatus = 'reached' | 'current' | 'later';

export interface Milestone extends Target {
  status: MilestoneStatus;
  /** Reached: seconds from the metric's first point, the time (epoch ms) and step. */
  tookSeconds: number;
  reachedAt: number;
  reachedStep: number;
  /** Not reached: the share done, 0–100. */
  percent: number;
  /** Not reached: seconds after the latest point at the current rate; NaN for "no ETA". */
  etaSeconds: number;
}

/** Units per second over the rate window; NaN when it cannot be told (one point, no time between). */
export function rateOf(data: MilestoneData): number {
  const seconds = (data.lastMs - data.startMs) / 1000;
  const rate = (data.lastValue - data.startValue) / seconds;
  return seconds > 0 && Number.isFinite(rate) ? rate : NaN;
}

export function milestones(targets: Target[], data: MilestoneData): Milestone[] {
  const rate = rateOf(data);
  let currentFound = false;
  return targets.map((target, i): Milestone => {
    const reachedAt = data.reachedMs[i] ?? -1;
    if (reachedAt >= 0) {
      return { ...target, status: 'reached', tookSeconds: (reachedAt - data.firstMs) / 1000, reachedAt, reachedStep: data.reachedStep[i] ?? NaN, percent: 100, etaSeconds: 0 };
    }
    const status = currentFound ? 'later' : 'current';
    currentFound = true;
    const eta = rate > 0 ? (target.value - data.lastValue) / rate : NaN;
    return {
      ...target,
      status,
      tookSeconds: NaN,
      reachedAt: NaN,
      reachedStep: NaN,
      percent: Math.max(0, Math.min(100, (data.lastValue / target.value) * 100)),
      etaSeconds: Number.isFinite(eta) ? Math.max(0, eta) : NaN,
    };
  });
}

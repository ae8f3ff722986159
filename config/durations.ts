/** Seconds per unit of the durations config accepts (`30s`, `15m`, `1h`, `90d`). */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as `90d`, or `undefined` when it is not one. */
export function durationSeconds(value: string): number | undefined {
  const match = /^([0-9]+)(s|m|h|d)$/.exec(value);
  return match ? Number(match[1]) * UNIT_SECONDS[match[2]] : undefined;
}

/** Seconds in a Go duration such as `1h30m` or `15s` (as ESO reads it), or `undefined`. */
export function goDurationSeconds(value: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const part = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(value); m; m = part.exec(value)) {
    total += Number(m[1]) * units[m[2]];
    consumed = part.lastIndex;
  }
  return value.length > 0 && consumed === value.length ? total : undefined;
}

/**
 * Validation entry point: schema and cross-field rules in one pass, every problem reported at once.
 */
import type { z } from 'zod';
import { checkRules, type ConfigIssue } from './rules';
import { platformSchema, type PlatformConfig } from './schema';

export type { ConfigIssue } from './rules';

/** Thrown when one or more platforms are invalid; the message lists every problem. */
export class PlatformConfigError extends Error {
  constructor(public readonly issues: ReadonlyArray<ConfigIssue & { platform: string }>) {
    super(formatIssues(issues));
    this.name = 'PlatformConfigError';
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '');
}

function hintFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.map((k) => `"${k}"`).join(', ')}: config holds names and metadata, never values (see config/schema.ts for the fields)`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return 'see the bounds in config/schema.ts';
    default:
      return 'see config/schema.ts';
  }
}

/** Every problem with one platform's raw configuration; empty when it is valid. */
export function platformIssues(raw: unknown): ConfigIssue[] {
  const parsed = platformSchema.safeParse(raw);
  const schemaIssues: ConfigIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, hint: hintFor(issue) }));
  const ruleIssues = raw && typeof raw === 'object' ? checkRules(raw as PlatformConfig) : [];
  return [...schemaIssues, ...ruleIssues];
}

/** Validates every platform; returns them typed, or throws one error that lists every problem. */
export function validatePlatforms(raw: ReadonlyArray<unknown>): PlatformConfig[] {
  const issues = raw.flatMap((p, i) => {
    const name = (p as { name?: unknown })?.name;
    const platform = typeof name === 'string' ? name : `platforms[${i}]`;
    return platformIssues(p).map((issue) => ({ ...issue, platform }));
  });
  const names = raw.map((p) => (p as { name?: unknown })?.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) issues.push({ platform: String(n), path: 'name', message: `platform "${String(n)}" is declared twice`, hint: 'platform names are unique: they prefix every stack' });
  });
  if (issues.length > 0) throw new PlatformConfigError(issues);
  return raw as PlatformConfig[];
}

/** Human-readable list of problems, one per line, grouped by platform. */
export function formatIssues(issues: ReadonlyArray<ConfigIssue & { platform: string }>): string {
  const lines = issues.map((i) => `  - ${i.platform}: ${i.path || '(root)'}: ${i.message}\n      hint: ${i.hint}`);
  return `Invalid platform configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

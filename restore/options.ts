/** Command-line options of `npm run restore`, parsed with node's parseArgs (scripts/lib/cli.ts). */
import { parseFlags, UsageError } from '../scripts/lib/cli';

export interface RestoreCliOptions {
  readonly platform: string;
  readonly env: string;
  /** Path of the secret under the platform's KV mount, e.g. `auth` or `payment-providers/stripe`. */
  readonly secret: string;
  /** Region to read the backup from; undefined = the environment's primary region. */
  readonly region?: string;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run restore -- --platform <name> --env <env> --secret <path> [--region <region>] [--dry-run] [--force]

  --platform <name>  a platform of config/platforms (e.g. waqiti)
  --env <env>        an environment with AWS backups (e.g. prod)
  --secret <path>    a critical secret's path under the KV mount (e.g. auth, payment-providers/stripe)
  --region <region>  read the backup from this region: the primary (default) or a replica region
  --dry-run          check everything and say what would be written; write nothing
  --force            write even when Vault's current version is newer than the backup

Reads <platform>/backup/<path> from AWS Secrets Manager (the usual AWS credential chain) and writes
it to Vault (VAULT_ADDR, else the environment's address; VAULT_TOKEN) as a new KV v2 version.
Secret values are never printed.

Exit codes: 0 restored, dry run, or Vault already holds the backup; 1 refused (Vault is newer, the
            backup's keys do not match the inventory, no usable backup); 2 bad usage; 3 AWS or Vault failed.`;

export { UsageError };

export function parseRestoreArgs(argv: readonly string[]): RestoreCliOptions {
  const parsed = parseFlags(argv, {
    platform: { type: 'string' },
    env: { type: 'string' },
    secret: { type: 'string' },
    region: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const v = parsed.values;
  if (v.help) return { platform: '', env: '', secret: '', dryRun: false, force: false, help: true };
  const missing = (['platform', 'env', 'secret'] as const).filter((k) => !v[k]).map((k) => `--${k}`);
  if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
  return { platform: v.platform!, env: v.env!, secret: v.secret!, region: v.region, dryRun: v['dry-run']!, force: v.force!, help: false };
}

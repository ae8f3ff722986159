/**
 * Restores one critical secret from its AWS Secrets Manager backup into Vault as a new KV v2 version.
 *
 * The target comes from the inventory: the platform's KV mount, the secret's declared keys, and the
 * backup's name and regions as the backup stack declares them. The restore refuses (nothing written)
 * when the backup's keys are not the declared ones, or when Vault's current version is newer than the
 * backup unless forced. The write is a check-and-set on the version that was checked, so a write that
 * lands in between is never overwritten. No value is ever returned, logged or put in an error.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { planPlatform } from '../config/plan';
import { PLATFORMS } from '../config/platforms';
import type { PlatformConfig, SecretConfig } from '../config/schema';
import { validatePlatforms } from '../config/validate';
import { backupSecretName } from '../stacks/backup-stack';
import { UsageError, type RestoreCliOptions } from './options';
import { VaultKv } from './vault-kv';

/** Thrown when the restore is refused on purpose (exit 1); nothing was written. */
export class RestoreRefused extends Error {}

/** Thrown when AWS fails in another way than a missing backup (exit 3). */
export class AwsError extends Error {}

/** What to restore, resolved from the inventory. */
export interface RestoreTarget {
  readonly platform: PlatformConfig;
  readonly envName: string;
  readonly secret: SecretConfig;
  readonly mount: string;
  /** Name of the AWS secret, `<platform>/backup/<path>`. */
  readonly backupName: string;
  readonly region: string;
  readonly vaultAddress: string;
}

/** What a restore did (names and versions only). */
export interface RestoreResult {
  readonly action: 'restored' | 'would-restore' | 'unchanged';
  readonly target: RestoreTarget;
  /** Keys of the backup (names, not values). */
  readonly keys: readonly string[];
  readonly backupVersionId: string;
  readonly backupCreated: Date;
  /** Vault's current version before the restore (0 = none). */
  readonly previousVersion: number;
  /** The version written; the previous one for a dry run or when unchanged. */
  readonly version: number;
  /** Whether a current version newer than the backup was overwritten (`--force`). */
  readonly overwroteNewer: boolean;
}

/**
 * Resolves the options against the inventory. Every problem is reported at once, each naming its
 * option and what it accepts.
 */
export function resolveTarget(opts: RestoreCliOptions, env: NodeJS.ProcessEnv = process.env): RestoreTarget {
  const platforms = validatePlatforms([...PLATFORMS]);
  const problems: string[] = [];
  const platform = platforms.find((p) => p.name === opts.platform);
  if (!platform) problems.push(`--platform: no platform "${opts.platform}"; known: ${platforms.map((p) => p.name).join(', ')}`);
  const envConfig = platform?.environments[opts.env];
  if (platform && !envConfig) problems.push(`--env: ${platform.name} has no environment "${opts.env}"; known: ${Object.keys(platform.environments).join(', ')}`);
  const plan = platform && envConfig ? planPlatform(platform, opts.env) : undefined;
  if (plan && (!plan.env.cluster || !plan.backup)) {
    const withBackups = Object.keys(platform!.environments).filter((e) => platform!.environments[e].cluster);
    problems.push(`--env: ${platform!.name} ${opts.env} has no AWS backups (no backup layer); environments with backups: ${withBackups.join(', ')}`);
  }
  const critical = plan?.backup?.secrets ?? [];
  const secret = critical.find((s) => s.path === opts.secret);
  if (plan?.backup && !secret) {
    const known = platform!.secrets.some((s) => s.path === opts.secret);
    problems.push(
      `--secret: ${known ? `"${opts.secret}" is not critical, so it has no backup` : `${platform!.name} has no secret "${opts.secret}"`}; backed-up secrets: ${critical.map((s) => s.path).join(', ')}`,
    );
  }
  const regions = plan ? [plan.env.aws.primaryRegion, ...plan.env.aws.replicaRegions] : [];
  const region = opts.region ?? plan?.env.aws.primaryRegion;
  if (plan && opts.region && !regions.includes(opts.region)) {
    problems.push(`--region: the backups of ${platform!.name} ${opts.env} are in ${regions.join(', ')} (primary first), not in ${opts.region}`);
  }
  if (!env.VAULT_TOKEN) problems.push('VAULT_TOKEN: not set; export an operator token that may write the secret (it is never printed)');
  if (problems.length || !platform || !plan || !secret || !region) {
    throw new UsageError(`cannot restore:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return {
    platform,
    envName: opts.env,
    secret,
    mount: plan.mount,
    backupName: backupSecretName(platform.name, secret.path),
    region,
    vaultAddress: env.VAULT_ADDR || plan.env.vaultAddress,
  };
}

/** The backup's document and its version, read from Secrets Manager in the target's region. */
async function readBackup(target: RestoreTarget): Promise<{ data: Record<string, string>; versionId: string; created: Date }> {
  const client = new SecretsManagerClient({ region: target.region });
  let out;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: target.backupName }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      throw new RestoreRefused(`no backup ${target.backupName} in ${target.region} (never pushed, or deleted: a deleted backup is recoverable within its recovery window with \`aws secretsmanager restore-secret\`)`);
    }
    throw new AwsError(`Secrets Manager GetSecretValue of ${target.backupName} in ${target.region} failed: ${name ?? 'Error'}: ${(err as Error).message}`);
  } finally {
    client.destroy();
  }
  const where = `${target.backupName} in ${target.region}`;
  let doc: unknown;
  try {
    // The PushSecret writes a string document; a backup pushed as binary (ESO's default format) is
    // the same JSON in bytes.
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || Object.values(doc).some((v) => typeof v !== 'string')) {
    throw new RestoreRefused(`the backup ${where} is not a JSON object of key → string value, as the PushSecret writes it`);
  }
  return { data: doc as Record<string, string>, versionId: out.VersionId ?? '?', created: out.CreatedDate ?? new Date(0) };
}

/** Same keys and values (compared, never shown). */
const sameData = (a: Record<string, unknown>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/**
 * Restores `target` from its backup. `force` overwrites a newer Vault version; `dryRun` writes nothing.
 */
export async function restoreSecret(target: RestoreTarget, token: string, opts: { dryRun: boolean; force: boolean }): Promise<RestoreResult> {
  const backup = await readBackup(target);
  const keys = Object.keys(backup.data).sort();
  const declared = [...target.secret.keys].sort();
  const missing = declared.filter((k) => !keys.includes(k));
  const extra = keys.filter((k) => !declared.includes(k));
  if (missing.length || extra.length) {
    throw new RestoreRefused(
      `the backup ${target.backupName} (${target.region}) does not match the inventory's keys for ${target.mount}/${target.secret.path}: ` +
        [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not in the inventory ${extra.join(', ')}` : ''].filter(Boolean).join('; ') +
        `. The inventory (config/platforms) declares ${declared.join(', ')}; restoring would give the services other keys than they read. ` +
        'Restore an older inventory, or write the secret by hand from the backup.',
    );
  }
  const kv = new VaultKv(target.vaultAddress, token, target.mount);
  const meta = await kv.metadata(target.secret.path);
  const current = meta.currentGone ? undefined : await kv.read(target.secret.path);
  const base = { target, keys, backupVersionId: backup.versionId, backupCreated: backup.created, previousVersion: meta.currentVersion };
  if (current && sameData(current, backup.data)) {
    return { ...base, action: 'unchanged', version: meta.currentVersion, overwroteNewer: false };
  }
  // Secrets Manager may report whole seconds: a version written in the backup's second counts as newer.
  const backupSecond = Math.floor(backup.created.getTime() / 1000) * 1000;
  const newer = current !== undefined && meta.createdTime !== undefined && meta.createdTime.getTime() >= backupSecond;
  if (newer && !opts.force) {
    throw new RestoreRefused(
      `Vault's current version ${meta.currentVersion} of ${target.mount}/${target.secret.path} (written ${meta.createdTime!.toISOString()}) is newer than ` +
        `the backup (pushed ${backup.created.toISOString()}) and differs from it. Nothing was written; --force overwrites it with the backup ` +
        '(the current version stays readable as an older version).',
    );
  }
  if (opts.dryRun) return { ...base, action: 'would-restore', version: meta.currentVersion, overwroteNewer: newer };
  const version = await kv.write(target.secret.path, backup.data, meta.currentVersion);
  return { ...base, action: 'restored', version, overwroteNewer: newer };
}

/** One line per fact, names and versions only. */
export function describeResult(r: RestoreResult): string {
  const from = `${r.target.backupName} in ${r.target.region} (version ${r.backupVersionId}, pushed ${r.backupCreated.toISOString()})`;
  const path = `${r.target.mount}/${r.target.secret.path}`;
  const keys = `keys: ${r.keys.join(', ')}`;
  switch (r.action) {
    case 'unchanged':
      return `Vault already holds the backup: ${path} version ${r.version} equals ${from}. Nothing written.`;
    case 'would-restore':
      return `dry run: would write ${path} version ${r.previousVersion + 1} from ${from}; ${keys}${r.overwroteNewer ? ' (overwriting a newer version, --force)' : ''}. Nothing written.`;
    case 'restored':
      return `restored ${path} as version ${r.version} from ${from}; ${keys}${r.overwroteNewer ? ' (overwrote a newer version, --force)' : ''}.`;
  }
}

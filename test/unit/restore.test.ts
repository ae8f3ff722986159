import { parseRestoreArgs, UsageError } from '../../restore/options';
import { resolveTarget } from '../../restore/restore';

const token = { VAULT_TOKEN: 'placeholder' };
const opts = (argv: string[]) => parseRestoreArgs(['--platform', 'waqiti', '--env', 'prod', ...argv]);

describe('npm run restore: options', () => {
  it('requires --platform, --env and --secret, naming each missing one', () => {
    expect(() => parseRestoreArgs(['--dry-run'])).toThrow(new UsageError('missing --platform, --env, --secret'));
  });

  it('rejects unknown options', () => {
    expect(() => opts(['--secret', 'auth', '--overwrite'])).toThrow(UsageError);
  });

  it('defaults to the primary region, no dry run, no force, and VAULT_ADDR over the environment address', () => {
    const t = resolveTarget(opts(['--secret', 'payment-providers/stripe']), { ...token, VAULT_ADDR: 'http://127.0.0.1:8200' });
    expect(t).toMatchObject({ backupName: 'waqiti/backup/payment-providers/stripe', region: 'eu-west-1', mount: 'waqiti', vaultAddress: 'http://127.0.0.1:8200' });
    expect(t.secret.keys).toEqual(['api-key', 'webhook-secret']);
    expect(opts(['--secret', 'auth'])).toMatchObject({ dryRun: false, force: false, region: undefined });
  });

  it('accepts a replica region and falls back to the environment Vault address', () => {
    const t = resolveTarget(opts(['--secret', 'auth', '--region', 'eu-central-1']), token);
    expect(t.region).toBe('eu-central-1');
    expect(resolveTarget(opts(['--secret', 'auth', '--region', 'us-east-1']), token).region).toBe('us-east-1');
    expect(t.vaultAddress).toBe('https://vault.vault.svc:8200');
  });

  it('reports every problem at once: secret not backed up, region without a replica, no token', () => {
    let message = '';
    try {
      resolveTarget(opts(['--secret', 'infrastructure/redis', '--region', 'us-west-2']), {});
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('cannot restore:');
    expect(lines.slice(1).map((l) => l.replace(/;.*/, ''))).toEqual([
      '  - --secret: "infrastructure/redis" is not critical, so it has no backup',
      '  - --region: the backups of waqiti prod are in eu-west-1, eu-central-1, us-east-1 (primary first), not in us-west-2',
      '  - VAULT_TOKEN: not set',
    ]);
    expect(lines[1]).toMatch(/backed-up secrets: .*\bauth\b.*payment-providers\/stripe/);
    expect(lines[1]).not.toMatch(/infrastructure\/redis,|grafana/);
  });

  it('names unknown platforms, environments without backups and unknown secrets', () => {
    expect(() => resolveTarget(parseRestoreArgs(['--platform', 'nope', '--env', 'prod', '--secret', 'auth']), token)).toThrow(/--platform: no platform "nope"; known: waqiti, pea-forecast/);
    expect(() => resolveTarget(parseRestoreArgs(['--platform', 'waqiti', '--env', 'local', '--secret', 'auth']), token)).toThrow(/--env: waqiti local has no AWS backups .*environments with backups: dev, staging, prod/);
    expect(() => resolveTarget(opts(['--secret', 'nope']), token)).toThrow(/--secret: waqiti has no secret "nope"; backed-up secrets: .*\bauth\b/);
  });
});

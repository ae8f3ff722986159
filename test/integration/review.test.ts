/**
 * `npm run review` on REAL plans: the base is synthesized and applied with OpenTofu (vault 5.9.0 and
 * random 3.9.0 from the toolchain) to a local OpenBao, the head is planned from that state, and the
 * report is read back. Base and head are two platform modules (test/support/platform-variants.ts),
 * synthesized by the app exactly as `cdktf synth` runs it; the CLI itself is run on the repository.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecretLikeValues } from '../../config/secret-patterns';
import { renderMarkdown } from '../../review/markdown';
import { gatedLevels } from '../../review/options';
import { reviewSides, type Review } from '../../review/review';
import { synthesizePlatformsModule, type SynthesizedSide } from '../../review/synthesize';
import { platformVariant } from '../support/platform-variants';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const work: string[] = [];
afterAll(() => work.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Synthesizes base and head modules (limited to `only`) and reviews them with real plans. */
async function review(baseModule: string, headModule: string, only: string, keepPlanJson = false): Promise<{ review: Review; markdown: string; workDir: string; head: SynthesizedSide }> {
  const workDir = mkdtempSync(join(tmpdir(), 'vsp-review-test-'));
  work.push(workDir);
  const env = { VSP_ONLY: only };
  const base = synthesizePlatformsModule('base', baseModule, join(workDir, 'base', 'cdktf.out'), env);
  const head = synthesizePlatformsModule('head', headModule, join(workDir, 'head', 'cdktf.out'), env);
  const result = await reviewSides(base, head, { workDir, keepPlanJson });
  return { review: result, markdown: renderMarkdown(result), workDir, head };
}

const SHIPPED = platformVariant('shipped');

describe('no change: both reference platforms, every environment', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(SHIPPED, platformVariant('same'), 'waqiti-local,waqiti-dev,waqiti-staging,waqiti-prod,pea-forecast-local,pea-forecast-dev,pea-forecast-staging,pea-forecast-prod');
  });

  it('plans both local Vault configuration stacks for real and finds nothing to do', () => {
    const planned = r.review.stacks.filter((s) => s.source === 'plan').map((s) => s.stack);
    expect(planned).toEqual(['pea-forecast-local-vault-config', 'waqiti-local-vault-config']);
    expect(r.review.timings.tofuMs).toBeGreaterThan(0);
    for (const s of r.review.stacks) expect(s.counts).toEqual({ add: 0, change: 0, replace: 0, destroy: 0 });
    expect(r.review.stacks).toHaveLength(32);
  });

  it('reports "no changes", no flag and no access change', () => {
    expect(r.review.noChanges).toBe(true);
    expect(r.review.risks).toEqual([]);
    expect(r.review.access).toEqual([]);
    expect(r.markdown.split('\n').slice(0, 3).join('\n')).toContain('**No changes.**');
    expect(gatedLevels(['any'], r.review.risks.map((f) => f.level))).toEqual([]);
  });
});

describe('adding a consumer', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    const head = platformVariant(
      'consumer',
      `const w = named('waqiti');
       service(w, 'banking-service').reads.push('payment-providers/stripe');
       secret(w, 'payment-providers/stripe').consumers.push('banking-service');`,
    );
    r = await review(SHIPPED, head, 'waqiti-local,waqiti-prod');
  });

  it('shows the gain: that service, its service account, the path, in both environments', () => {
    expect(r.review.access).toEqual([
      expect.objectContaining({
        kind: 'gain',
        platform: 'waqiti',
        service: 'banking-service',
        role: 'waqiti-banking-service',
        serviceAccount: 'waqiti-system/banking-service',
        path: 'waqiti/data/payment-providers/stripe',
        capability: 'read',
        environments: ['local', 'prod'],
      }),
    ]);
  });

  it('puts the widening first in the report', () => {
    expect(r.review.risks.map((f) => f.level)).toEqual(['widening']);
    const firstLines = r.markdown.split('\n').slice(0, 6).join('\n');
    expect(firstLines).toContain(
      '- **widening**: service banking-service (SA waqiti-system/banking-service, role waqiti-banking-service) gains read on waqiti/data/payment-providers/stripe (waqiti: local, prod)',
    );
    expect(gatedLevels(['widening'], r.review.risks.map((f) => f.level))).toEqual(['widening']);
    expect(gatedLevels(['destroy'], r.review.risks.map((f) => f.level))).toEqual([]);
  });

  it('plans exactly one policy update locally, and diffs the new ExternalSecret in prod', () => {
    const local = r.review.stacks.find((s) => s.stack === 'waqiti-local-vault-config')!;
    expect(local.source).toBe('plan');
    expect(local.changes).toEqual([expect.objectContaining({ concept: 'policy', subject: 'waqiti-banking-service', action: 'update', attributes: ['policy'] })]);
    const sync = r.review.stacks.find((s) => s.stack === 'waqiti-prod-sync')!;
    expect(sync.source).toBe('config-diff');
    expect(sync.changes).toEqual([expect.objectContaining({ concept: 'service', action: 'create', subject: 'ExternalSecret waqiti-system/banking-service-payment-providers-stripe' })]);
  });
});

describe('removing a secret', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    const head = platformVariant(
      'removed',
      `const w = named('waqiti');
       w.secrets = w.secrets.filter((s) => s.path !== 'payment-providers/plaid');
       const b = service(w, 'banking-service');
       b.reads = b.reads.filter((p) => p !== 'payment-providers/plaid');`,
    );
    r = await review(SHIPPED, head, 'waqiti-local,waqiti-prod');
  });

  it('flags the secret destroyed in the real plan and its backup destroyed in prod', () => {
    const destroys = r.review.risks.filter((f) => f.level === 'destroy').map((f) => f.message);
    expect(destroys).toEqual([
      'secret waqiti/metadata/payment-providers/plaid is destroyed (waqiti-local-vault-config)',
      'backup waqiti/backup/payment-providers/plaid is destroyed (waqiti-prod-backup)',
      'backup PushSecret waqiti-secrets-backup/backup-payment-providers-plaid is destroyed (waqiti-prod-sync)',
      'secret waqiti/metadata/payment-providers/plaid is destroyed (waqiti-prod-vault-config)',
    ]);
    const local = r.review.stacks.find((s) => s.stack === 'waqiti-local-vault-config')!;
    expect(local.source).toBe('plan');
    expect(local.counts.destroy).toBe(1);
  });

  it('shows the loss of access and no widening', () => {
    expect(r.review.risks.filter((f) => f.level === 'widening')).toEqual([]);
    expect(r.review.access).toEqual([
      expect.objectContaining({ kind: 'loss', service: 'backup-reader', serviceAccount: 'waqiti-secrets-backup/backup-reader', path: 'waqiti/data/payment-providers/plaid', capability: 'read', environments: ['local', 'prod'] }),
      expect.objectContaining({ kind: 'loss', service: 'banking-service', serviceAccount: 'waqiti-system/banking-service', path: 'waqiti/data/payment-providers/plaid', capability: 'read', environments: ['local', 'prod'] }),
    ]);
    expect(gatedLevels(['destroy'], r.review.risks.map((f) => f.level))).toEqual(['destroy']);
  });
});

describe('no value ever reaches the report', () => {
  const canary = `canary-${Date.now().toString(36)}-owner`;
  let r: Awaited<ReturnType<typeof review>>;
  let planJson: string;
  beforeAll(async () => {
    // Known, non-sensitive values that the provider puts in the plan in clear: a secret's owner in
    // its custom metadata, a new secret's description, the CA certificate variable.
    const head = platformVariant(
      'canary',
      `const w = named('waqiti');
       secret(w, 'payment-providers/plaid').owner = ${JSON.stringify(canary)};
       secret(w, 'auth').owner = ${JSON.stringify(canary)};`,
    );
    r = await review(SHIPPED, head, 'waqiti-local', true);
    planJson = readFileSync(join(r.workDir, 'plans', 'waqiti-local-vault-config.json'), 'utf8');
  });

  it('the plan really contains the known values', () => {
    expect(planJson).toContain(canary);
    expect(planJson).toMatch(/-----BEGIN CERTIFICATE-----/);
    expect(r.review.stacks.find((s) => s.stack === 'waqiti-local-vault-config')!.counts.change).toBe(2);
  });

  it('the Markdown and JSON reports contain none of them', () => {
    const json = JSON.stringify(r.review);
    for (const text of [r.markdown, json]) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain('BEGIN CERTIFICATE');
      expect(text).not.toContain('team-payments');
      expect(findSecretLikeValues(text)).toEqual([]);
    }
    // what changed is still said, by attribute name
    expect(r.markdown).toContain('update `waqiti/auth`');
    expect(r.markdown).toContain('`custom_metadata`');
  });
});

describe('the CLI', () => {
  const run = (...args: string[]) => spawnSync('npx', ['tsx', 'review/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });

  it('exits 2 with the usage on an unknown --fail-on level', () => {
    const res = run('--fail-on', 'widening,everything', '--no-plan');
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--fail-on: unknown level(s) everything');
    expect(res.stderr).toContain('Exit codes:');
  });

  it('exits 2 on a base ref git does not know', () => {
    const res = run('--base', 'no-such-ref-anywhere', '--no-plan');
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('git does not know the ref "no-such-ref-anywhere"');
  });

  it('reviews against HEAD with real plans and writes both reports', () => {
    const out = mkdtempSync(join(tmpdir(), 'vsp-review-cli-'));
    work.push(out);
    const res = run('--base', 'HEAD', '--out', out, '--only', 'waqiti-local,pea-forecast-local');
    expect(res.status).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'review.json'), 'utf8'));
    expect(json.stacks.map((s: { stack: string; source: string }) => `${s.stack}:${s.source}`)).toEqual(['pea-forecast-local-vault-config:plan', 'waqiti-local-vault-config:plan']);
    expect(existsSync(join(out, 'review.md'))).toBe(true);
    expect(json.markdownChars).toBeLessThanOrEqual(60_000);
  });
});

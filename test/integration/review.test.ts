/**
 * `npm run review` on REAL plans: the base is synthesized and applied with OpenTofu (vault 5.9.0 and
 * random 3.9.0 from the toolchain) to a local OpenBao, the head is planned from that state, and the
 * report is read back; once the toolchain has the local kube-apiserver and the kubernetes provider,
 * the local cluster and sync stacks are planned the same way against it. Base and head are two
 * platform modules (test/support/platform-variants.ts), synthesized by the app exactly as
 * `cdktf synth` runs it; the CLI itself is run on the repository.
 *
 * Every case checks the flags a reviewer and a CI gate act on, the `--fail-on` outcome (no harmless
 * change trips a gate, no dangerous change passes one) and that no value reaches either report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecretLikeValues } from '../../config/secret-patterns';
import { kubePlansAvailable } from '../../review/kube-plan';
import { renderMarkdown } from '../../review/markdown';
import { gatedLevels, type FailOn } from '../../review/options';
import { reviewSides, type Review } from '../../review/review';
import type { RiskLevel } from '../../review/risks';
import { synthesizePlatformsModule, type SynthesizedSide } from '../../review/synthesize';
import { platformVariant } from '../support/platform-variants';

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
const work: string[] = [];
afterAll(() => work.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SHIPPED = platformVariant('shipped');
/** Known, non-sensitive values the providers put in plans in clear: every head carries one. */
const CANARY = `canary-${Date.now().toString(36)}-owner`;
const withCanary = (mutate: string) => `${mutate}\nsecret(named('waqiti'), 'auth').owner = ${JSON.stringify(CANARY)};`;

const bases = new Map<string, SynthesizedSide>();
/** Synthesizes head (and the shipped base, once per `only`) and reviews them with real plans. */
async function review(headModule: string, only: string, keepPlanJson = false): Promise<{ review: Review; markdown: string; workDir: string }> {
  const workDir = mkdtempSync(join(tmpdir(), 'vsp-review-test-'));
  work.push(workDir);
  const env = { VSP_ONLY: only };
  if (!bases.has(only)) {
    const baseDir = mkdtempSync(join(tmpdir(), 'vsp-review-base-'));
    work.push(baseDir);
    bases.set(only, synthesizePlatformsModule('base', SHIPPED, join(baseDir, 'cdktf.out'), env));
  }
  const head = synthesizePlatformsModule('head', headModule, join(workDir, 'head', 'cdktf.out'), env);
  const result = await reviewSides(bases.get(only), head, { workDir, keepPlanJson });
  return { review: result, markdown: renderMarkdown(result), workDir };
}

/** Neither report holds a value: not the canary, not a certificate, not an owner, nothing value-shaped. */
function expectNoValues(r: { review: Review; markdown: string }): void {
  for (const text of [r.markdown, JSON.stringify(r.review)]) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain('BEGIN CERTIFICATE');
    expect(text).not.toContain('team-payments');
    expect(text).not.toContain('no-cluster-placeholder');
    expect(findSecretLikeValues(text)).toEqual([]);
  }
}

const levelsOf = (r: Review): RiskLevel[] => r.risks.flatMap((f) => f.levels);
const gate = (r: Review, ...failOn: FailOn[]) => gatedLevels(failOn, levelsOf(r));
const messages = (r: Review, level: RiskLevel) => r.risks.filter((f) => f.level === level).map((f) => f.message);
/** The stacks a review planned for real: always the local Vault configuration, and the local Kubernetes layers once their tools are built. */
const expectedPlanned = (platforms: string[]) =>
  platforms.flatMap((p) => [...(kubePlansAvailable() ? [`${p}-local-cluster:kube-apiserver`, `${p}-local-sync:kube-apiserver`] : []), `${p}-local-vault-config:OpenBao`]).sort();
const planned = (r: Review) => r.stacks.filter((s) => s.source === 'plan').map((s) => `${s.stack}:${s.plannedAgainst}`).sort();

describe('no change: both reference platforms, every environment', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(platformVariant('same'), 'waqiti-local,waqiti-dev,waqiti-staging,waqiti-prod,pea-forecast-local,pea-forecast-dev,pea-forecast-staging,pea-forecast-prod');
  });

  it('plans the local stacks for real, says which, and finds nothing to do', () => {
    expect(r.review.stacks.filter((s) => s.layer === 'vault-config' && s.note).map((s) => s.note)).toEqual([]);
    expect(planned(r.review)).toEqual(expectedPlanned(['pea-forecast', 'waqiti']));
    expect(r.review.timings.tofuMs).toBeGreaterThan(0);
    for (const s of r.review.stacks) expect(s.counts).toEqual({ add: 0, change: 0, replace: 0, destroy: 0, forget: 0 });
    expect(r.review.stacks).toHaveLength(36);
    expect(r.markdown).toMatch(/Planned with OpenTofu: .*pea-forecast-local-vault-config, waqiti-local-vault-config against a local OpenBao/);
    expect(r.markdown).toContain('compared as synthesized JSON');
  });

  it('reports "no changes", no flag and no access change', () => {
    expect(r.review.noChanges).toBe(true);
    expect(r.review.risks).toEqual([]);
    expect(r.review.access).toEqual([]);
    expect(r.markdown.split('\n').slice(0, 3).join('\n')).toContain('**No changes.**');
    expect(gate(r.review, 'any')).toEqual([]);
  });
});

describe('adding a consumer', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    const head = platformVariant(
      'consumer',
      withCanary(`const w = named('waqiti');
       service(w, 'banking-service').reads.push('payment-providers/stripe');
       secret(w, 'payment-providers/stripe').consumers.push('banking-service');`),
    );
    r = await review(head, 'waqiti-local,waqiti-prod');
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

  it('puts the widening first in the report, and only a widening gate trips', () => {
    expect(levelsOf(r.review)).toEqual(['widening']);
    const firstLines = r.markdown.split('\n').slice(0, 6).join('\n');
    expect(firstLines).toContain(
      '- **widening**: service banking-service (SA waqiti-system/banking-service, role waqiti-banking-service) gains read on waqiti/data/payment-providers/stripe (waqiti: local, prod)',
    );
    expect(gate(r.review, 'widening')).toEqual(['widening']);
    expect(gate(r.review, 'wildcard', 'destroy', 'orphan', 'replace', 'server')).toEqual([]);
  });

  it('plans exactly the policy (and the canary owner) locally, and shows the new ExternalSecret in prod', () => {
    const local = r.review.stacks.find((s) => s.stack === 'waqiti-local-vault-config')!;
    expect({ source: local.source, note: local.note }).toEqual({ source: 'plan' });
    expect(local.changes).toContainEqual(expect.objectContaining({ concept: 'policy', subject: 'waqiti-banking-service', action: 'update', attributes: ['policy'] }));
    const sync = r.review.stacks.find((s) => s.stack === 'waqiti-prod-sync')!;
    expect(sync.source).toBe('config-diff');
    expect(sync.changes).toContainEqual(expect.objectContaining({ concept: 'service', action: 'create', subject: 'ExternalSecret waqiti-system/banking-service-payment-providers-stripe' }));
    expectNoValues(r);
  });
});

describe('switching Vault storage from raft to Consul', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(platformVariant('consul', withCanary("named('waqiti').vault.storage = { type: 'consul', address: 'consul-server.consul.svc:8501', path: 'vault/', security: { tls: { caSecret: 'consul-ca' }, aclTokenSecret: { name: 'vault-consul-acl-token', key: 'token' } } };")), 'waqiti-local,waqiti-prod');
  });

  it('is a server flag that says Vault starts on an empty backend, and a server gate trips', () => {
    expect(messages(r.review, 'server')).toEqual([
      'Vault storage raft → consul: without a migration first (`vault operator migrate`, Vault stopped), Vault starts on an empty backend and every secret, policy and role is gone from it (waqiti: prod)',
    ]);
    expect(r.markdown).not.toContain('Vault server and unseal unchanged');
    expect(gate(r.review, 'server')).toEqual(['server']);
    expect(gate(r.review, 'any')).toEqual(['server']);
    expect(gate(r.review, 'widening', 'wildcard', 'destroy', 'orphan', 'replace')).toEqual([]);
    expect(JSON.stringify(r.review)).not.toContain('consul-server.consul.svc');
    expectNoValues(r);
  });
});

describe('removing an external secret: its slot, its backup and its ExternalSecret, in every environment', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    const head = platformVariant(
      'removed',
      withCanary(`const w = named('waqiti');
       w.secrets = w.secrets.filter((s) => s.path !== 'payment-providers/plaid');
       const b = service(w, 'banking-service');
       b.reads = b.reads.filter((p) => p !== 'payment-providers/plaid');`),
    );
    r = await review(head, 'waqiti-local,waqiti-dev,waqiti-staging,waqiti-prod', true);
  });

  it('the real plan destroys the disable_delete slot, and the report calls it orphaned, not destroyed', () => {
    const local = r.review.stacks.find((s) => s.stack === 'waqiti-local-vault-config')!;
    expect({ source: local.source, note: local.note }).toEqual({ source: 'plan' });
    expect(local.counts.destroy).toBe(1);
    expect(local.changes).toContainEqual(expect.objectContaining({ type: 'vault_generic_endpoint', action: 'delete', facts: { keptOnDestroy: true } }));
    expect(messages(r.review, 'orphan')).toEqual([
      'secret waqiti/payment-providers/plaid is no longer declared: its slot is removed, but the value stays in Vault (disable_delete), orphaned and no longer rotated; remove it by hand if it is no longer needed (waqiti: local, dev, staging, prod)',
    ]);
  });

  it('one flag per change across stacks and environments: the backup and the workload Secret, in words', () => {
    expect(messages(r.review, 'destroy')).toEqual([
      'backup waqiti/backup/payment-providers/plaid is deleted (recoverable for 7 days with `aws secretsmanager restore-secret`) (waqiti: dev, staging)',
      'service banking-service (namespace waqiti-system) loses Kubernetes Secret waqiti-system/banking-service-payment-providers-plaid (from Vault payment-providers/plaid): its ExternalSecret is removed and ESO deletes the Secret it owns (creationPolicy Owner); pods that mount it fail on their next start (waqiti: local, dev, staging, prod)',
      'backup waqiti/backup/payment-providers/plaid is deleted (recoverable for 30 days with `aws secretsmanager restore-secret`) (waqiti: prod)',
    ]);
    expect(r.review.risks.map((f) => f.message).join('\n')).not.toMatch(/secret waqiti\/\S*plaid is (destroyed|deleted)/);
  });

  it('shows the loss of access, no widening; destroy and orphan gates trip, widening does not', () => {
    expect(messages(r.review, 'widening')).toEqual([]);
    expect(r.review.access).toEqual([
      expect.objectContaining({ kind: 'loss', service: 'backup-reader', serviceAccount: 'waqiti-secrets-backup/backup-reader', path: 'waqiti/data/payment-providers/plaid', environments: ['local', 'dev', 'staging', 'prod'] }),
      expect.objectContaining({ kind: 'loss', service: 'banking-service', serviceAccount: 'waqiti-system/banking-service', path: 'waqiti/data/payment-providers/plaid', environments: ['local', 'dev', 'staging', 'prod'] }),
    ]);
    expect(gate(r.review, 'destroy')).toEqual(['destroy']);
    expect(gate(r.review, 'orphan')).toEqual(['orphan']);
    expect(gate(r.review, 'widening', 'wildcard', 'server')).toEqual([]);
  });

  it('the plan holds the canary; neither report does', () => {
    expect(readFileSync(join(r.workDir, 'plans', 'waqiti-local-vault-config.json'), 'utf8')).toContain(CANARY);
    expectNoValues(r);
  });
});

describe('renaming a service (same service accounts, same namespace)', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    const head = platformVariant(
      'rename',
      withCanary(`const w = named('waqiti');
       service(w, 'banking-service').name = 'core-banking';
       for (const s of w.secrets) s.consumers = s.consumers.map((c) => (c === 'banking-service' ? 'core-banking' : c));
       for (const d of w.sharedNamespaces) d.services = d.services.map((x) => (x === 'banking-service' ? 'core-banking' : x));`),
    );
    r = await review(head, 'waqiti-local,waqiti-prod');
  });

  it('is no widening: net access per service account is unchanged, the role is re-granted', () => {
    expect(r.review.access).toEqual([]);
    expect(r.review.regranted).toEqual([
      expect.objectContaining({ serviceAccount: 'waqiti-system/banking-service', fromRole: 'waqiti-banking-service', toRole: 'waqiti-core-banking', grants: 3, environments: ['local', 'prod'] }),
    ]);
    const local = r.review.stacks.find((s) => s.stack === 'waqiti-local-vault-config')!;
    expect({ source: local.source, note: local.note }).toEqual({ source: 'plan' });
    expect(local.changes.filter((c) => c.concept === 'role').map((c) => `${c.action} ${c.subject}`)).toEqual(['delete waqiti-banking-service', 'create waqiti-core-banking']);
  });

  it('says the workload Secrets get new names; no widening, wildcard, destroy, orphan or server gate trips', () => {
    expect(messages(r.review, 'replace')).toEqual([
      'service banking-service (namespace waqiti-system): Kubernetes Secrets renamed (same Vault paths and keys): waqiti-system/banking-service-banking-service → core-banking-banking-service, waqiti-system/banking-service-encryption → core-banking-encryption, waqiti-system/banking-service-payment-providers-plaid → core-banking-payment-providers-plaid; ESO deletes each old Secret with its ExternalSecret, so pods must be switched to the new names (waqiti: local, prod)',
    ]);
    expect(gate(r.review, 'widening', 'wildcard', 'destroy', 'orphan', 'server')).toEqual([]);
    expect(gate(r.review, 'replace')).toEqual(['replace']);
    expectNoValues(r);
  });
});

describe('moving a service to another namespace', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(platformVariant('move', withCanary("const w = named('waqiti'); service(w, 'banking-service').namespace = 'waqiti-banking'; for (const d of w.sharedNamespaces) d.services = d.services.filter((x) => x !== 'banking-service');")), 'waqiti-local,waqiti-prod');
  });

  it('is one widening that names who loses and who gains read, per environment set', () => {
    expect(messages(r.review, 'widening')).toEqual([
      'read on 3 paths (waqiti/data/banking-service, waqiti/data/encryption, waqiti/data/payment-providers/plaid) moves from service banking-service (SA waqiti-system/banking-service, role waqiti-banking-service) to service banking-service (SA waqiti-banking/banking-service, role waqiti-banking-service) (waqiti: local, prod)',
    ]);
    expect(gate(r.review, 'widening')).toEqual(['widening']);
  });

  it('the SecretStore and ExternalSecrets are replaced, not updated, and the Secrets move', () => {
    const prod = r.review.stacks.find((s) => s.stack === 'waqiti-prod-sync')!;
    const moved = prod.changes.filter((c) => c.type === 'kubernetes_manifest' && c.subject?.includes('banking-service'));
    expect(moved.length).toBe(4);
    for (const c of moved) expect(c).toEqual(expect.objectContaining({ action: 'replace', replacedBecause: ['manifest.metadata.namespace'] }));
    expect(messages(r.review, 'replace')).toEqual([
      'service banking-service moves from namespace waqiti-system to waqiti-banking: the provider replaces its ExternalSecret banking-service-banking-service, ExternalSecret banking-service-encryption, ExternalSecret banking-service-payment-providers-plaid, SecretStore vault-banking-service (a kubernetes_manifest whose namespace changes is deleted and recreated); ESO deletes Kubernetes Secrets banking-service-banking-service, banking-service-encryption, banking-service-payment-providers-plaid in waqiti-system and creates them in waqiti-banking, so pods still in waqiti-system lose them (waqiti: local, prod)',
    ]);
    expect(gate(r.review, 'destroy', 'orphan', 'server', 'wildcard')).toEqual([]);
    expectNoValues(r);
  });
});

describe('removing a backup replica region', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(platformVariant('replica', withCanary("named('waqiti').environments.prod.aws.replicaRegions = ['eu-central-1'];")), 'waqiti-local,waqiti-prod');
  });

  it('says which backups lose which region, with the count, as a destroy', () => {
    expect(messages(r.review, 'destroy')).toEqual([
      'waqiti prod backups lose their us-east-1 copy of 11 secrets and the replica KMS key there is scheduled for deletion: a restore from us-east-1 is no longer possible',
    ]);
    expect(gate(r.review, 'destroy')).toEqual(['destroy']);
    expect(gate(r.review, 'widening', 'wildcard', 'orphan', 'server')).toEqual([]);
    expectNoValues(r);
  });
});

describe('removing a workload\'s ExternalSecret (delivery switched to CSI)', () => {
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    r = await review(platformVariant('no-eso', withCanary("const w = named('waqiti'); w.vault.csi = true; secret(w, 'infrastructure/grafana').delivery = ['csi'];")), 'waqiti-local,waqiti-prod');
  });

  it('flags the lost Kubernetes Secret with its workload and namespace; access is unchanged', () => {
    expect(messages(r.review, 'destroy')).toEqual([
      'service grafana (namespace waqiti-monitoring) loses Kubernetes Secret waqiti-monitoring/grafana-infrastructure-grafana (from Vault infrastructure/grafana): its ExternalSecret is removed and ESO deletes the Secret it owns (creationPolicy Owner); pods that mount it fail on their next start (waqiti: local, prod)',
    ]);
    expect(r.review.access).toEqual([]);
    expect(gate(r.review, 'destroy')).toEqual(['destroy']);
    expect(gate(r.review, 'widening', 'wildcard', 'orphan', 'server')).toEqual([]);
    expectNoValues(r);
  });
});

describe('a broad grant and a refresh interval, in every environment', () => {
  const justification = 'The gateway verifies webhook signatures of every payment provider';
  let r: Awaited<ReturnType<typeof review>>;
  beforeAll(async () => {
    const head = platformVariant(
      'broad',
      withCanary(`const w = named('waqiti');
       w.broadGrants = [{ service: 'api-gateway', prefix: 'payment-providers/', justification: ${JSON.stringify(justification)} }];
       for (const e of Object.values(w.environments)) e.eso.refreshInterval = '45s';`),
    );
    r = await review(head, 'waqiti-local,waqiti-dev,waqiti-staging,waqiti-prod');
  });

  it('one wildcard flag naming every environment, with the justification next to it', () => {
    expect(messages(r.review, 'wildcard')).toEqual([
      `new wildcard: service api-gateway (SA waqiti-system/api-gateway, role waqiti-api-gateway) may list, read waqiti/data/payment-providers/* (waqiti: local, dev, staging, prod); justification: "${justification}"`,
    ]);
    expect(r.review.risks.find((f) => f.level === 'wildcard')!.justification).toBe(justification);
    expect(messages(r.review, 'widening')).toEqual([
      'service api-gateway (SA waqiti-system/api-gateway, role waqiti-api-gateway) gains list on waqiti/data/payment-providers/* (waqiti: local, dev, staging, prod)',
      'service api-gateway (SA waqiti-system/api-gateway, role waqiti-api-gateway) gains read on waqiti/data/payment-providers/* (waqiti: local, dev, staging, prod)',
    ]);
    expect(gate(r.review, 'wildcard', 'widening')).toEqual(['widening', 'wildcard']);
  });

  it('names the changed attribute down to the leaf, and a refresh interval trips no gate of its own', () => {
    const prod = r.review.stacks.find((s) => s.stack === 'waqiti-prod-sync')!;
    const updates = prod.changes.filter((c) => c.action === 'update' && c.subject?.startsWith('ExternalSecret'));
    expect(updates.length).toBeGreaterThan(10);
    for (const c of updates) expect(c.attributes).toContain('manifest.spec.refreshInterval');
    expect(r.markdown).toContain('`manifest.spec.refreshInterval`');
    expect(gate(r.review, 'destroy', 'orphan', 'replace', 'server')).toEqual([]);
    expectNoValues(r);
  });
});

describe('the CLI', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('npx', ['tsx', 'review/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env } });
  /** An --out folder holding a stale "No changes" report from an earlier run. */
  const staleOut = () => {
    const out = mkdtempSync(join(tmpdir(), 'vsp-review-cli-'));
    work.push(out);
    writeFileSync(join(out, 'review.md'), '## Secrets platform review\n\n**No changes.** stale\n');
    writeFileSync(join(out, 'review.json'), '{"stale":true}\n');
    return out;
  };
  const reports = (out: string) => ({ md: readFileSync(join(out, 'review.md'), 'utf8'), json: JSON.parse(readFileSync(join(out, 'review.json'), 'utf8')) });

  it('exits 2 with the usage on an unknown --fail-on level, and replaces the stale report with why', () => {
    const out = staleOut();
    const res = run(['--fail-on', 'widening,everything', '--no-plan', '--out', out]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--fail-on: unknown level(s) everything');
    expect(res.stderr).toContain('Exit codes:');
    const { md, json } = reports(out);
    expect(md).toContain('**Not reviewed** (exit 2');
    expect(md).toContain('--fail-on: unknown level(s) everything');
    expect(md).not.toContain('stale');
    expect(json).toEqual(expect.objectContaining({ reviewed: false, exitCode: 2 }));
  });

  it('exits 2 on a base ref git does not know', () => {
    const out = staleOut();
    const res = run(['--base', 'no-such-ref-anywhere', '--no-plan', '--out', out]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('git does not know the ref "no-such-ref-anywhere"');
    expect(reports(out).md).toContain('git does not know the ref');
  });

  it('exits 2 on an invalid configuration, says which field, and posts no stale "No changes"', () => {
    const out = staleOut();
    const invalid = platformVariant('invalid', "named('waqiti').environments.prod.replicas = 2; service(named('waqiti'), 'api-gateway').reads.push('no/such/secret');");
    const res = run(['--base', 'HEAD', '--out', out, '--only', 'waqiti-prod'], { VSP_PLATFORMS_MODULE: invalid });
    expect(res.status).toBe(2);
    const { md, json } = reports(out);
    expect(md).toContain('**Not reviewed** (exit 2');
    expect(md).toContain('does not synthesize');
    expect(md).toContain('environments.prod.replicas');
    expect(md).toContain('no/such/secret');
    expect(md).not.toContain('No changes');
    expect(json).toEqual(expect.objectContaining({ reviewed: false, exitCode: 2 }));
    expect(findSecretLikeValues(md)).toEqual([]);
  });

  it('exits 3 when a tool fails while planning, and says so in the report', () => {
    const out = staleOut();
    const res = run(['--base', 'HEAD', '--out', out, '--only', 'waqiti-local'], { VSP_BAO_BIN: join(tmpdir(), 'no-such-bao-binary') });
    expect({ status: res.status, stderr: res.status === 3 ? '' : res.stderr.slice(-3000) }).toEqual({ status: 3, stderr: '' });
    const { md, json } = reports(out);
    expect(md).toContain('**Not reviewed** (exit 3');
    expect(md).toContain('OpenBao');
    expect(json).toEqual(expect.objectContaining({ reviewed: false, exitCode: 3 }));
  });

  it('reviews against HEAD with real plans and writes both reports', () => {
    const out = staleOut();
    mkdirSync(out, { recursive: true });
    const res = run(['--base', 'HEAD', '--out', out, '--only', 'waqiti-local,pea-forecast-local', '--fail-on', 'any']);
    expect(res.status).toBe(0);
    const { md, json } = reports(out);
    expect(json.stacks.filter((s: { source: string }) => s.source === 'plan').map((s: { stack: string; plannedAgainst: string }) => `${s.stack}:${s.plannedAgainst}`).sort()).toEqual(
      expectedPlanned(['pea-forecast', 'waqiti']),
    );
    expect(json).toEqual(expect.objectContaining({ reviewed: true, exitCode: 0, gated: [] }));
    expect(md).toContain('**No changes.**');
    expect(md).not.toContain('stale');
    expect(existsSync(join(out, 'review.md'))).toBe(true);
    expect(json.markdownChars).toBeLessThanOrEqual(60_000);
  });
});

/**
 * The review's pieces on synthesized JSON and hand-made plans (the real-plan tier is
 * test/integration/review.test.ts): attribute names without values, replacements, wildcards,
 * Vault server replicas, the comment size limit and the --fail-on levels.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffAccess } from '../../review/access-diff';
import { changedPaths, changesFromPlan, countChanges } from '../../review/changes';
import { MAX_COMMENT_CHARS, renderMarkdown } from '../../review/markdown';
import { gatedLevels, parseReviewArgs, UsageError } from '../../review/options';
import { reviewSides } from '../../review/review';
import { synthesizePlatformsModule, type StackJson, type SynthesizedSide } from '../../review/synthesize';
import { platformVariant } from '../support/platform-variants';

jest.setTimeout(120_000);

const side = (label: string, stacks: Record<string, StackJson>): SynthesizedSide => ({ label, outdir: '/nonexistent', stacks: new Map(Object.entries(stacks)), ms: 0 });

const vaultConfig = (policyHcl: string, serviceAccounts: string[], namespaces: string[]): StackJson => ({
  resource: {
    vault_policy: { p: { name: 'shop-cart', policy: policyHcl } },
    vault_kubernetes_auth_backend_role: {
      r: { role_name: 'shop-cart', bound_service_account_names: serviceAccounts, bound_service_account_namespaces: namespaces, token_policies: ['shop-cart'] },
    },
  },
});

describe('changed attributes', () => {
  it('names what changed, two levels deep, and never carries a value', () => {
    const before = { name: 'a', custom_metadata: { data: { owner: 'team-a-value' } }, tags: ['x'] };
    const after = { name: 'a', custom_metadata: { data: { owner: 'team-b-value' } }, tags: ['y'], extra: 'new-value' };
    const paths = changedPaths(before, after);
    expect(paths).toEqual(['custom_metadata.data', 'extra', 'tags']);
    expect(JSON.stringify(paths)).not.toMatch(/value/);
  });
});

describe('plan summaries', () => {
  const plan = {
    resource_changes: [
      { address: 'vault_mount.kv', type: 'vault_mount', mode: 'managed', change: { actions: ['delete', 'create'], before: { path: 'shop', description: 'known-old-description' }, after: { path: 'shop', description: 'known-new-description' }, replace_paths: [['type']] } },
      { address: 'vault_policy.p', type: 'vault_policy', mode: 'managed', change: { actions: ['no-op'], before: { name: 'p' }, after: { name: 'p' } } },
      { address: 'vault_kv_secret_v2.s', type: 'vault_kv_secret_v2', mode: 'managed', change: { actions: ['update'], before: { mount: 'shop', name: 'db', data_json_wo_version: 1 }, after: { mount: 'shop', name: 'db', data_json_wo_version: 2 }, after_unknown: {} } },
      { address: 'data.vault_x.d', type: 'vault_x', mode: 'data', change: { actions: ['read'], before: null, after: { secret: 'known-data' } } },
    ],
  };

  it('turns delete+create into a replacement with its forcing attribute, skips no-ops and data sources', () => {
    const changes = changesFromPlan('shop-local-vault-config', plan);
    expect(changes.map((c) => [c.address, c.action, c.subject])).toEqual([
      ['vault_kv_secret_v2.s', 'update', 'shop/db'],
      ['vault_mount.kv', 'replace', 'shop'],
    ]);
    expect(changes[1].replacedBecause).toEqual(['type']);
    expect(changes[0].attributes).toEqual(['data_json_wo_version']);
    expect(countChanges(changes)).toEqual({ add: 0, change: 1, replace: 1, destroy: 0 });
    expect(JSON.stringify(changes)).not.toMatch(/known-/);
  });
});

describe('access diff', () => {
  it('reports a new wildcard path and a role bound to every service account', async () => {
    const base = side('base', { 'shop-prod-vault-config': vaultConfig('path "shop/data/cart" {\n  capabilities = ["read"]\n}\n', ['cart'], ['shop']) });
    const head = side('head', { 'shop-prod-vault-config': vaultConfig('path "shop/data/*" {\n  capabilities = ["read", "list"]\n}\n', ['*'], ['shop']) });
    const diff = await diffAccess(base, head);
    expect(diff.newWildcards).toEqual(['shop-prod-vault-config: policy shop-cart path shop/data/*', 'shop-prod-vault-config: role shop-cart binds * in shop']);
    expect(diff.changes.map((c) => `${c.kind} ${c.serviceAccount} ${c.capability} ${c.path}`)).toEqual([
      'gain shop/* list shop/data/*',
      'gain shop/* read shop/data/*',
      'loss shop/cart read shop/data/cart',
    ]);
  });
});

describe('Vault server and unseal', () => {
  it('flags a change of replicas in the cluster layer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vsp-review-unit-'));
    const env = { VSP_ONLY: 'waqiti-prod' };
    const base = synthesizePlatformsModule('base', platformVariant('shipped'), join(dir, 'base', 'cdktf.out'), env);
    const head = synthesizePlatformsModule('head', platformVariant('replicas', "named('waqiti').environments.prod.replicas = 3;"), join(dir, 'head', 'cdktf.out'), env);
    const review = await reviewSides(base, head, { workDir: dir, plan: false });
    const server = review.risks.filter((f) => f.level === 'server').map((f) => f.message);
    expect(server).toEqual(['Vault server replicas 5 → 3 (waqiti-prod-cluster)']);
    expect(review.access).toEqual([]);
  });
});

describe('report size', () => {
  it('keeps a 300-service new platform under the comment limit, saying where the rest is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vsp-review-unit-'));
    const head = synthesizePlatformsModule('head', 'bench/generated-platforms.ts', join(dir, 'head', 'cdktf.out'), { VSP_BENCH_SERVICES: '300', VSP_ONLY: 'bench-prod' });
    const review = await reviewSides(undefined, head, { workDir: dir, plan: false });
    expect(review.access.length).toBeGreaterThan(800);
    const md = renderMarkdown(review);
    expect(md.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(md).toContain('(see review.json)');
    expect(md.split('\n')[2]).toMatch(/^### Risk flags \(\d+: \d+ widening, 7 wildcard, 1 server\)$/);
    expect(md).toContain('- **wildcard**: new wildcard: bench-prod-vault-config: policy bench-operator path bench/data/*');
    expect(md).toContain('<details>');
    expect(md.split('\n')[4]).toMatch(/^- \*\*widening\*\*: holders of policy bench-(break-glass|operator) \(no Kubernetes role\) gains /);
    // The Terraform policy (issue 11) adds thousands of flags ahead of it: the complete review has it.
    expect(JSON.stringify(review)).toContain('service backup-reader (SA bench-secrets-backup/backup-reader, role bench-backup-reader) gains read on bench/data/services/svc-00000 (bench: prod)');
    expect(review.access).toContainEqual(expect.objectContaining({ kind: 'gain', service: 'svc-00000', serviceAccount: 'svc-00000/svc-00000', path: 'bench/data/services/svc-00000' }));
  });
});

describe('--fail-on', () => {
  it('gates only on the levels asked for, or on any flag', () => {
    expect(gatedLevels(['widening', 'destroy'], ['server', 'destroy', 'destroy'])).toEqual(['destroy']);
    expect(gatedLevels(['any'], ['replace'])).toEqual(['replace']);
    expect(gatedLevels([], ['widening'])).toEqual([]);
  });

  it('accepts comma lists and repeated flags, and refuses unknown levels', () => {
    expect(parseReviewArgs(['--fail-on', 'widening,destroy', '--fail-on', 'server']).failOn).toEqual(['widening', 'destroy', 'server']);
    expect(() => parseReviewArgs(['--fail-on', 'oops'])).toThrow(UsageError);
    expect(() => parseReviewArgs(['--bogus'])).toThrow(UsageError);
  });
});

/**
 * The review's pieces on synthesized JSON and hand-made plans (the real-plan tier is
 * test/integration/review.test.ts): leaf attribute names without values, replacements the
 * provider would make, orphaned slots, net access, wildcards with their justification, every
 * Vault server change, one flag per change across environments, the comment size limit and the
 * --fail-on levels.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffAccess } from '../../review/access-diff';
import { changedPaths, changesFromPlan, countChanges, diffSynthesized } from '../../review/changes';
import { accessFindings, changeFindings, mergeFindings } from '../../review/risks';
import { MAX_COMMENT_CHARS, renderMarkdown } from '../../review/markdown';
import { kubePlansAvailable } from '../../review/kube-plan';
import { gatedLevels, parseReviewArgs, UsageError } from '../../review/options';
import { toolchainReadyForPlans } from '../../review/toolchain-ready';
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
  it('names what changed down to the leaf, and never carries a value', () => {
    const before = { name: 'a', custom_metadata: { data: { owner: 'team-a-value' } }, tags: ['x'], grown: ['p'] };
    const after = { name: 'a', custom_metadata: { data: { owner: 'team-b-value' } }, tags: ['y'], grown: ['p', 'q-value'], extra: 'new-value' };
    const paths = changedPaths(before, after);
    expect(paths).toEqual(['custom_metadata.data.owner', 'extra', 'grown', 'tags.0']);
    expect(JSON.stringify(paths)).not.toMatch(/value/);
  });

  it('reads JSON inside strings (helm values, data_json) by key', () => {
    const values = (interval: string) => [JSON.stringify({ server: { ha: { replicas: 3 }, extra: { refresh: interval } } })];
    expect(changedPaths({ values: values('1m-value') }, { values: values('2m-value') })).toEqual(['values.0.server.extra.refresh']);
  });

  it('names manifest.spec.refreshInterval when an ExternalSecret refresh interval changes', () => {
    const es = (refreshInterval: string) => ({ manifest: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'cart-db', namespace: 'shop' }, spec: { refreshInterval } } });
    const changes = diffSynthesized('shop-prod-sync', { resource: { kubernetes_manifest: { es: es('1m') } } }, { resource: { kubernetes_manifest: { es: es('5m') } } });
    expect(changes).toEqual([expect.objectContaining({ action: 'update', attributes: ['manifest.spec.refreshInterval'], subject: 'ExternalSecret shop/cart-db' })]);
  });
});

describe('lifecycle as the provider runs it', () => {
  const es = (namespace: string, name = 'cart-db') => ({
    manifest: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name, namespace }, spec: { secretStoreRef: { name: 'vault-cart' }, target: { name }, data: [{ secretKey: 'password', remoteRef: { key: 'cart/db', property: 'password' } }] } },
  });
  const store = (namespace: string) => ({ manifest: { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'vault-cart', namespace }, spec: { provider: { vault: { auth: { kubernetes: { role: 'shop-cart' } } } } } } });

  it('a kubernetes_manifest whose namespace changes is replaced, and the flag says which Secret moves where', () => {
    const base = { resource: { kubernetes_manifest: { es: es('shop'), store: store('shop') } } };
    const head = { resource: { kubernetes_manifest: { es: es('checkout'), store: store('checkout') } } };
    const changes = diffSynthesized('shop-prod-sync', base, head);
    expect(changes.map((c) => [c.action, c.replacedBecause])).toEqual([
      ['replace', ['manifest.metadata.namespace']],
      ['replace', ['manifest.metadata.namespace']],
    ]);
    const flags = mergeFindings(changeFindings('shop-prod-sync', changes, { base, head }));
    expect(flags.map((f) => [f.level, f.message])).toEqual([
      [
        'replace',
        'service cart moves from namespace shop to checkout: the provider replaces its ExternalSecret cart-db, SecretStore vault-cart (a kubernetes_manifest whose namespace changes is deleted and recreated); ESO deletes Kubernetes Secret cart-db in shop and creates it in checkout, so pods still in shop lose it (shop: prod)',
      ],
    ]);
  });

  it('a removed ExternalSecret is a destroy naming the workload, its namespace and the Secret', () => {
    const base = { resource: { kubernetes_manifest: { es: es('shop'), store: store('shop') } } };
    const head = { resource: { kubernetes_manifest: { store: store('shop') } } };
    const flags = mergeFindings(changeFindings('shop-prod-sync', diffSynthesized('shop-prod-sync', base, head), { base, head }));
    expect(flags.map((f) => f.message)).toEqual([
      'service cart (namespace shop) loses Kubernetes Secret shop/cart-db (from Vault cart/db): its ExternalSecret is removed and ESO deletes the Secret it owns (creationPolicy Owner); pods that mount it fail on their next start (shop: prod)',
    ]);
    expect(flags[0].levels).toEqual(['destroy']);
  });

  it('a removed disable_delete slot is orphaned, not destroyed; a generated secret is soft-deleted', () => {
    const plan = {
      resource_changes: [
        { address: 'vault_generic_endpoint.slot', type: 'vault_generic_endpoint', mode: 'managed', change: { actions: ['delete'], before: { path: 'shop/metadata/vendor/key', disable_delete: true, data_json: '{"known-value":1}' }, after: null } },
        { address: 'vault_kv_secret_v2.gen', type: 'vault_kv_secret_v2', mode: 'managed', change: { actions: ['delete'], before: { mount: 'shop', name: 'db', delete_all_versions: false }, after: null } },
      ],
    };
    const flags = mergeFindings(changeFindings('shop-local-vault-config', changesFromPlan('shop-local-vault-config', plan)));
    expect(flags.map((f) => [f.level, f.message])).toEqual([
      ['destroy', 'secret shop/db is deleted from Vault: its current version is deleted (soft delete: `vault kv undelete` restores it); workloads reading it lose it (shop: local)'],
      ['orphan', 'secret shop/vendor/key is no longer declared: its slot is removed, but the value stays in Vault (disable_delete), orphaned and no longer rotated; remove it by hand if it is no longer needed (shop: local)'],
    ]);
    expect(JSON.stringify(flags)).not.toContain('known-value');
  });

  it('one flag per change: the same finding in several environments is one line naming them', () => {
    const flags = mergeFindings([
      { level: 'orphan', text: 'secret shop/a is orphaned', stack: 'shop-prod-vault-config' },
      { level: 'orphan', text: 'secret shop/a is orphaned', stack: 'shop-local-vault-config' },
      { level: 'orphan', text: 'secret shop/a is orphaned', stack: 'shop-staging-vault-config' },
      { level: 'destroy', text: 'shop {envs} backups lose their us-east-1 copy of 2 secrets', stack: 'shop-prod-backup' },
      { level: 'destroy', text: 'shop {envs} backups lose their us-east-1 copy of 2 secrets', stack: 'shop-staging-backup' },
    ]);
    expect(flags.map((f) => f.message)).toEqual(['shop staging, prod backups lose their us-east-1 copy of 2 secrets', 'secret shop/a is orphaned (shop: local, staging, prod)']);
    expect(flags[1].stacks).toEqual(['shop-local-vault-config', 'shop-prod-vault-config', 'shop-staging-vault-config']);
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
    expect(countChanges(changes)).toEqual({ add: 0, change: 1, replace: 1, destroy: 0, forget: 0 });
    expect(JSON.stringify(changes)).not.toMatch(/known-/);
  });

  it('reports a forgotten KV mount (lifecycle destroy = false) as forgotten and orphaned, never as deleted', () => {
    const destroyPlan = {
      resource_changes: [
        { address: 'vault_mount.kv', type: 'vault_mount', mode: 'managed', change: { actions: ['forget'], before: { path: 'shop', type: 'kv' }, after: null } },
        { address: 'vault_policy.p', type: 'vault_policy', mode: 'managed', change: { actions: ['delete'], before: { name: 'p' }, after: null } },
      ],
    };
    const changes = changesFromPlan('shop-local-vault-config', destroyPlan);
    expect(changes.map((c) => [c.address, c.action])).toEqual([
      ['vault_mount.kv', 'forget'],
      ['vault_policy.p', 'delete'],
    ]);
    expect(countChanges(changes)).toEqual({ add: 0, change: 0, replace: 0, destroy: 1, forget: 1 });
    const flags = mergeFindings(changeFindings('shop-local-vault-config', changes));
    expect(flags.filter((f) => /KV mount/.test(f.message)).map((f) => [f.level, f.message])).toEqual([
      ['orphan', 'KV mount shop is forgotten, not deleted: it and every secret in it stay in Vault, unmanaged, and the next apply adopts it (import) (lifecycle destroy = false) (shop: local)'],
    ]);
    // create + forget is a replacement, not a plain create.
    expect(changesFromPlan('s', { resource_changes: [{ address: 'vault_mount.kv', type: 'vault_mount', mode: 'managed', change: { actions: ['create', 'forget'], before: { path: 'shop' }, after: { path: 'shop' } } }] })[0].action).toBe('replace');
  });

  it('a resource removed from the config with lifecycle destroy = false is forgotten in the config diff too', () => {
    const base: StackJson = { resource: { vault_mount: { kv: { path: 'shop', type: 'kv', lifecycle: { destroy: false } } }, vault_policy: { p: { name: 'p', policy: '' } } } } as unknown as StackJson;
    const changes = diffSynthesized('shop-local-vault-config', base, { resource: {} } as unknown as StackJson);
    expect(changes.map((c) => [c.address, c.action])).toEqual([
      ['vault_mount.kv', 'forget'],
      ['vault_policy.p', 'delete'],
    ]);
  });
});

describe('access diff', () => {
  it('reports a new wildcard path and a role bound to every service account', async () => {
    const base = side('base', { 'shop-prod-vault-config': vaultConfig('path "shop/data/cart" {\n  capabilities = ["read"]\n}\n', ['cart'], ['shop']) });
    const head = side('head', { 'shop-prod-vault-config': vaultConfig('path "shop/data/*" {\n  capabilities = ["read", "list"]\n}\n', ['*'], ['shop']) });
    const diff = await diffAccess(base, head);
    expect(diff.newWildcards.map((w) => `${w.platform} ${w.environments.join(',')}: ${w.text}`)).toEqual(['shop prod: role shop-cart binds * in shop', 'shop prod: service cart (SA shop/*, role shop-cart) may list, read shop/data/*']);
    expect(diff.changes.map((c) => `${c.kind} ${c.serviceAccount} ${c.capability} ${c.path}`)).toEqual([
      'gain shop/* list shop/data/*',
      'gain shop/* read shop/data/*',
      'loss shop/cart read shop/data/cart',
    ]);
  });

  it('a rename that keeps every service account\'s access is no gain and no loss', async () => {
    const renamed = (role: string): StackJson => ({
      resource: {
        vault_policy: { p: { name: role, policy: 'path "shop/data/cart" {\n  capabilities = ["read"]\n}\n' } },
        vault_kubernetes_auth_backend_role: { r: { role_name: role, bound_service_account_names: ['cart'], bound_service_account_namespaces: ['shop'], token_policies: [role] } },
      },
    });
    const diff = await diffAccess(side('base', { 'shop-prod-vault-config': renamed('shop-cart') }), side('head', { 'shop-prod-vault-config': renamed('shop-basket') }));
    expect(diff.changes).toEqual([]);
    expect(diff.moves).toEqual([]);
    expect(diff.regranted).toEqual([expect.objectContaining({ serviceAccount: 'shop/cart', fromRole: 'shop-cart', toRole: 'shop-basket', grants: 1, environments: ['prod'] })]);
  });

  it('a move to another namespace is one widening that names both holders', async () => {
    const base = side('base', { 'shop-prod-vault-config': vaultConfig('path "shop/data/cart" {\n  capabilities = ["read"]\n}\n', ['cart'], ['shop']) });
    const head = side('head', { 'shop-prod-vault-config': vaultConfig('path "shop/data/cart" {\n  capabilities = ["read"]\n}\n', ['cart'], ['checkout']) });
    const diff = await diffAccess(base, head);
    const flags = mergeFindings(accessFindings(diff));
    expect(flags.map((f) => [f.level, f.message])).toEqual([
      ['widening', 'read on shop/data/cart moves from service cart (SA shop/cart, role shop-cart) to service cart (SA checkout/cart, role shop-cart) (shop: prod)'],
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
    expect(server).toEqual(['Vault server replicas 5 → 3: remove the departing raft peers first (`vault operator raft remove-peer`) or the cluster can lose quorum (waqiti: prod)']);
    expect(review.access).toEqual([]);
  });

  it.each([
    [
      'storage raft → consul',
      "named('waqiti').vault.storage = { type: 'consul', address: 'consul.consul.svc:8501', path: 'vault/', security: { tls: { caSecret: 'consul-ca' }, aclTokenSecret: { name: 'vault-consul-acl-token', key: 'token' } } };", /^Vault storage raft → consul: without a migration first .* Vault starts on an empty backend/],
    ['KMS unseal → Shamir', "named('waqiti').environments.dev.unseal = { type: 'shamir' };", /^Vault seal awskms → shamir: needs a seal migration/],
    ['listener TLS off', "const dev = named('waqiti').environments.dev; dev.tls = { source: 'none' }; dev.vaultAddress = 'http://vault.vault.svc:8200';", /^Vault listener TLS on → off/],
    ['certificate from another secret', "named('waqiti').environments.prod.tls = { source: 'secret', secretName: 'vault-tls-2' };", /^Vault listener settings change \(certificate secret\)/],
    ['data volume size', "named('waqiti').environments.prod.storage.dataSize = '80Gi';", /^Vault data volume changes \(size\): a StatefulSet's volumeClaimTemplates cannot change in place/],
  ])('flags %s as a server change', async (_what, mutate, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'vsp-review-unit-'));
    const env = { VSP_ONLY: 'waqiti-dev,waqiti-prod' };
    const base = synthesizePlatformsModule('base', platformVariant('shipped'), join(dir, 'base', 'cdktf.out'), env);
    const head = synthesizePlatformsModule('head', platformVariant('server', mutate), join(dir, 'head', 'cdktf.out'), env);
    const review = await reviewSides(base, head, { workDir: dir, plan: false });
    const server = review.risks.filter((f) => f.levels.includes('server'));
    expect(server.map((f) => f.message)).toContainEqual(expect.stringMatching(message));
    expect(gatedLevels(['server'], review.risks.flatMap((f) => f.levels))).toEqual(['server']);
    expect(gatedLevels(['widening', 'wildcard'], review.risks.flatMap((f) => f.levels))).toEqual([]);
    expect(JSON.stringify(review)).not.toContain('consul.consul.svc');
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
    expect(md.split('\n')[2]).toMatch(/^### Risk flags \(\d+: \d+ widening, \d+ wildcard, 1 server\)$/);
    expect(md).toMatch(/- \*\*wildcard\*\*: new wildcard: holders of policy bench-operator \(no Kubernetes role\) may [a-z, ]+ bench\/data\/\* \(bench: prod\)/);
    expect(md).toContain('<details>');
    expect(md.split('\n')[4]).toMatch(/^- \*\*widening\*\*: holders of policy bench-(break-glass|operator) \(no Kubernetes role\) gains /);
    expect(md).toContain(
      '- **widening**: service backup-reader (SA bench-secrets-backup/backup-reader, role bench-backup-reader) gains read on 83 paths (bench/data/services/svc-00000, bench/data/services/svc-00004, bench/data/services/svc-00008, bench/data/services/svc-00012, bench/data/services/svc-00016, … 78 more in the access changes) (bench: prod)',
    );
    expect(review.access).toContainEqual(expect.objectContaining({ kind: 'gain', service: 'svc-00000', serviceAccount: 'svc-00000/svc-00000', path: 'bench/data/services/svc-00000' }));
  });
});

describe('--fail-on', () => {
  it('gates on every level of a flag, not only the one shown', () => {
    const [flag] = mergeFindings([{ level: 'destroy', also: ['replace'], text: 'backup shop/backup/a is replaced', stack: 'shop-prod-backup' }]);
    expect(flag.levels).toEqual(['destroy', 'replace']);
    expect(gatedLevels(['replace'], flag.levels)).toEqual(['replace']);
    expect(gatedLevels(['orphan'], flag.levels)).toEqual([]);
  });

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

describe('what can be planned here', () => {
  const cache = (stamps: string[], envJson = true) => {
    const dir = mkdtempSync(join(tmpdir(), 'vsp-review-cache-'));
    mkdirSync(join(dir, 'stamps'));
    for (const s of stamps) writeFileSync(join(dir, 'stamps', `${s}.done`), '');
    if (envJson) writeFileSync(join(dir, 'env.json'), '{}');
    return dir;
  };
  const core = ['tofu-1.12.6', 'bao-2.6.2', 'provider-vault-5.9.0', 'provider-random-3.9.0'];

  it('skips the toolchain script only when tofu, bao and both providers are built', () => {
    expect(toolchainReadyForPlans(cache(core))).toBe(true);
    expect(toolchainReadyForPlans(cache(core.slice(1)))).toBe(false);
    expect(toolchainReadyForPlans(cache(core, false))).toBe(false);
  });

  it('plans the local Kubernetes layers only with etcd, kube-apiserver, the ESO build and the kubernetes provider', () => {
    expect(kubePlansAvailable(cache([...core, 'etcd-3.6.16', 'kube-1.34.2', 'eso-0.20.4', 'provider-kubernetes-3.2.1']))).toBe(true);
    expect(kubePlansAvailable(cache([...core, 'etcd-3.6.16', 'kube-1.34.2', 'provider-kubernetes-3.2.1']))).toBe(false);
  });
});

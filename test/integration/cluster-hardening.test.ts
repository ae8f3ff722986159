/**
 * The cluster-side hardening (issue 11) on a real kube-apiserver (scripts/lib/cluster.ts): the
 * synthesized NetworkPolicies, CA ConfigMaps, ResourceQuota, Roles and RoleBindings of both reference
 * platforms in prod are applied as they are and accepted; Pod Security admission refuses what the
 * labels forbid and admits Vault's hardened pod; ESO's per-namespace Role lets it mint tokens for
 * exactly the service accounts its SecretStores name. Tokens are never printed.
 */
import { startLocalCluster, type LocalCluster } from '../../scripts/lib/cluster';
import { RESTRICTED_CONTAINER } from '../../constructs/vault-server';
import { manifestsOf, platformNamed, resourcesOf, synthPlatform } from '../support/synth';

jest.setTimeout(600_000);

const BUILT_IN = new Set(['v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1']);
const ESO = 'system:serviceaccount:external-secrets-system:external-secrets';

describe('hardening objects on a real API server', () => {
  let cluster: LocalCluster;
  const synth = ['waqiti', 'pea-forecast'].map((name) => synthPlatform(platformNamed(name), 'prod'));

  beforeAll(async () => {
    cluster = await startLocalCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** The service-account controller creates each namespace's `default` account, which pod admission looks up first. */
  const defaultAccount = async (namespace: string) => {
    for (let i = 0; i < 100; i++) {
      if (await cluster.kubectl(['get', 'serviceaccount', 'default', '-n', namespace]).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no default service account in ${namespace}`);
  };
  const apply = (objects: unknown[]) => cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

  it('accepts every namespace, NetworkPolicy, ConfigMap, ResourceQuota, Role and RoleBinding the prod stacks declare', async () => {
    // Namespaces as the stacks declare them (with their Pod Security labels), plus the workloads' own.
    const declared = synth.flatMap(({ stacks }) =>
      [stacks.cluster, stacks.sync].flatMap((s) => resourcesOf(s.tf, 'kubernetes_namespace').map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.metadata.name, labels: n.metadata.labels } }))),
    );
    const workloads = ['waqiti-system', 'waqiti-data', 'waqiti-monitoring', 'pea-forecast-prod', 'monitoring'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    // Both platforms share the `vault` namespace name here: WAQITI's (no CSI, so `restricted`) is kept.
    const namespaces = new Map<string, { metadata: { name: string } }>();
    for (const n of [...declared, ...workloads]) if (!namespaces.has(n.metadata.name)) namespaces.set(n.metadata.name, n);
    await apply([...namespaces.values()]);
    const vaultNs = JSON.parse(await cluster.kubectl(['get', 'namespace', 'vault', '-o', 'json']));
    expect(vaultNs.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const objects = synth.flatMap(({ stacks }) => [stacks.cluster, stacks.sync].flatMap((s) => manifestsOf(s.tf).filter((m) => BUILT_IN.has(m.apiVersion))));
    // The CA variable stands for a public PEM: the API server's own CA plays Vault's here.
    const resolved = JSON.parse(JSON.stringify(objects).split('${var.vault_ca_cert}').join(JSON.stringify(cluster.caCert).slice(1, -1)));
    const out = (await apply(resolved)).split('\n').filter(Boolean);
    expect(out).toHaveLength(resolved.length);
    for (const line of out) expect(line).toMatch(/ (created|configured|unchanged)$/);
    const policies = JSON.parse(await cluster.kubectl(['get', 'networkpolicy', '-A', '-o', 'json'])).items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(policies.sort()).toEqual(['external-secrets-system/default-deny', 'pea-forecast-secrets-backup/default-deny', 'vault/vault-server', 'waqiti-secrets-backup/default-deny']);
    const vaultPolicy = JSON.parse(await cluster.kubectl(['get', 'networkpolicy', 'vault-server', '-n', 'vault', '-o', 'json']));
    expect(vaultPolicy.spec.ingress.map((r: any) => r.ports[0].port)).toEqual([8200, 8201]);
    const quota = JSON.parse(await cluster.kubectl(['get', 'resourcequota', 'no-pods', '-n', 'waqiti-secrets-backup', '-o', 'json']));
    expect(quota.spec.hard).toEqual({ pods: '0' });
    const ca = JSON.parse(await cluster.kubectl(['get', 'configmap', 'vault-ca', '-n', 'waqiti-system', '-o', 'json']));
    expect(Object.keys(ca.data)).toEqual(['ca.crt']);
  });

  it('refuses a pod that breaks Pod Security "restricted" in the backup namespace (no pod could pass the quota either)', async () => {
    await defaultAccount('waqiti-secrets-backup');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'intruder', namespace: 'waqiti-secrets-backup' }, spec: { containers: [{ name: 'c', image: 'busybox:1.37.0' }] } };
    await expect(apply([pod])).rejects.toThrow(/violates PodSecurity "restricted:latest"/);
  });

  it('admits the Vault server pod as the chart values harden it (server and reloader) under "restricted"', async () => {
    const values = JSON.parse(resourcesOf(synth[0].stacks.cluster.tf, 'helm_release').find((r) => r.chart === 'vault')!.values[0]);
    const { server } = values;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vault-hardening-check', namespace: 'vault' },
      spec: {
        shareProcessNamespace: server.shareProcessNamespace,
        securityContext: server.statefulSet.securityContext.pod,
        volumes: [...server.volumes, { name: 'audit', emptyDir: {} }],
        containers: [
          { name: 'vault', image: 'hashicorp/vault:1.20.1', securityContext: server.statefulSet.securityContext.container, resources: server.resources, volumeMounts: server.volumeMounts },
          ...server.extraContainers,
        ],
      },
    };
    expect(server.statefulSet.securityContext.container).toEqual(RESTRICTED_CONTAINER);
    await defaultAccount('vault');
    await apply([pod]);
    const created = JSON.parse(await cluster.kubectl(['get', 'pod', 'vault-hardening-check', '-n', 'vault', '-o', 'json']));
    expect(created.spec.containers.map((c: any) => c.name)).toEqual(['vault', 'reloader']);
    const insecure = { ...pod, metadata: { ...pod.metadata, name: 'vault-insecure' }, spec: { ...pod.spec, securityContext: {}, containers: [{ name: 'vault', image: 'hashicorp/vault:1.20.1' }] } };
    await expect(apply([insecure])).rejects.toThrow(/violates PodSecurity "restricted:latest"/);
  });

  it("lets ESO mint tokens only for the service accounts its SecretStores name, per namespace", async () => {
    const accounts = [
      ['external-secrets-system', 'external-secrets'],
      ['waqiti-data', 'postgres'],
      ['waqiti-data', 'redis'],
      ['waqiti-data', 'intruder'],
      ['waqiti-system', 'payment-service'],
      ['waqiti-secrets-backup', 'backup-reader'],
    ].map(([namespace, name]) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace }, automountServiceAccountToken: false }));
    await apply(accounts);
    const token = (namespace: string, sa: string) => cluster.kubectl([`--as=${ESO}`, 'create', 'token', sa, '-n', namespace, '--audience=vault', '--duration=10m']);
    for (const [ns, sa] of [['waqiti-data', 'postgres'], ['waqiti-data', 'redis'], ['waqiti-system', 'payment-service'], ['waqiti-secrets-backup', 'backup-reader']]) {
      expect((await token(ns, sa)).trim().split('.')).toHaveLength(3);
    }
    await expect(token('waqiti-data', 'intruder')).rejects.toThrow(/forbidden/);
    await expect(token('waqiti-data', 'default')).rejects.toThrow(/forbidden/);
    await expect(token('external-secrets-system', 'external-secrets')).rejects.toThrow(/forbidden/);
    await expect(cluster.kubectl([`--as=${ESO}`, 'get', 'secrets', '-n', 'waqiti-data'])).rejects.toThrow(/forbidden/);
  });
});

/**
 * Every Kubernetes object that any environment's stacks emit is sent to a real kube-apiserver with
 * the CRDs installed, as a server-side dry run: the API server decodes it strictly (unknown fields
 * are errors), validates it against the CRD's schema and runs admission, without storing it. This
 * complements the JSON-schema test with the server's own rules.
 */
import { PLATFORMS } from '../../config/platforms';
import { startLocalCluster, type LocalCluster } from '../../scripts/lib/cluster';
import { manifestsOf, synthPlatform } from '../support/synth';

jest.setTimeout(300_000);

/**
 * References are unknown until apply: a namespace reference becomes that namespace's name (read from
 * the same stack), any other reference a placeholder string.
 */
function resolveReferences(tf: Record<string, any>, m: unknown): Record<string, any> {
  const text = JSON.stringify(m).replace(/\$\{([a-z_0-9]+)\.([^.}]+)\.metadata\[0\]\.name\}/g, (ref, type: string, id: string) => tf.resource?.[type]?.[id]?.metadata?.name ?? ref);
  return JSON.parse(text.replace(/\$\{[^}]+\}/g, 'placeholder'));
}

/** Every stack's Kubernetes objects, by stack name. */
const byStack = PLATFORMS.flatMap((p) =>
  Object.keys(p.environments).flatMap((env) =>
    Object.values(synthPlatform(p, env).stacks).map((s) => ({ stack: s.name, objects: manifestsOf(s.tf).map((m) => resolveReferences(s.tf, m)) })),
  ),
).filter((s) => s.objects.length > 0);
const manifests = byStack.flatMap((s) => s.objects.map((m) => ({ where: `${s.stack}: ${m.kind}/${m.metadata.name}`, m })));

/**
 * Every field of `sent` that `got` does not hold with the same value, as paths. What the API server
 * drops or rewrites makes `kubernetes_manifest` fail after apply ("inconsistent result") or plan a
 * change forever; defaults the server adds are fine.
 */
function notKept(sent: unknown, got: unknown, path = ''): string[] {
  if (sent && typeof sent === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(sent) !== Array.isArray(got)) return [path || '.'];
    if (Array.isArray(sent)) {
      const list = got as unknown[];
      if (list.length !== sent.length) return [`${path} (${sent.length} items sent, ${list.length} kept)`];
      return sent.flatMap((v, i) => notKept(v, list[i], `${path}[${i}]`));
    }
    return Object.entries(sent).flatMap(([k, v]) => notKept(v, (got as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return sent === got ? [] : [`${path} (${JSON.stringify(sent)} became ${JSON.stringify(got)})`];
}


describe('manifests on a real API server (server-side dry run)', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    const namespaces = [...new Set(manifests.map(({ m }) => m.metadata.namespace).filter(Boolean))].sort();
    for (const ns of namespaces) await cluster.kubectl(['create', 'namespace', ns]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('covers every kind the stacks emit', () => {
    expect([...new Set(manifests.map(({ m }) => `${m.apiVersion}/${m.kind}`))].sort()).toEqual([
      'batch/v1/CronJob', // the storage snapshot job (issue 11)
      'cert-manager.io/v1/Certificate',
      'external-secrets.io/v1/ExternalSecret',
      'external-secrets.io/v1/SecretStore',
      'external-secrets.io/v1alpha1/PushSecret',
      'monitoring.coreos.com/v1/Probe',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'networking.k8s.io/v1/NetworkPolicy',
      'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/RoleBinding',
      'secrets-store.csi.x-k8s.io/v1/SecretProviderClass',
      'v1/ConfigMap',
      'v1/ResourceQuota',
      'v1/ServiceAccount', // the snapshot job's, annotated with its IAM role
    ]);
  });

  it('refuses a malformed object (the check can fail)', async () => {
    const bad = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'bad', namespace: 'default' }, spec: { target: { creationPolicy: 'Sometimes' } } };
    await expect(cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(bad))).rejects.toThrow(/creationPolicy|Unsupported value/);
  });

  it('accepts every emitted object', async () => {
    // One request per stack (kubectl reports every refused object of the list, by kind and name).
    const refused: string[] = [];
    for (const { stack, objects } of byStack) {
      const list = { apiVersion: 'v1', kind: 'List', items: objects };
      await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(list)).catch((err: Error) => refused.push(`${stack}: ${err.message}`));
    }
    expect(refused).toEqual([]);
    expect(manifests.length).toBeGreaterThan(100);
  });

  it('keeps every field of every object as sent (no field dropped or rewritten by the server)', async () => {
    const changed: string[] = [];
    for (const { stack, objects } of byStack) {
      const list = { apiVersion: 'v1', kind: 'List', items: objects };
      const out = JSON.parse(await cluster.kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(list)));
      const items: Array<Record<string, any>> = out.kind === 'List' ? out.items : [out];
      for (const sent of objects) {
        const got = items.find((i) => i.kind === sent.kind && i.metadata?.name === sent.metadata.name && (i.metadata?.namespace ?? '') === (sent.metadata.namespace ?? ''));
        if (!got) changed.push(`${stack}: ${sent.kind}/${sent.metadata.name} not returned`);
        else changed.push(...notKept(sent, got).map((p) => `${stack}: ${sent.kind}/${sent.metadata.name} ${p}`));
      }
    }
    expect(changed).toEqual([]);
  });

  it('the round-trip check can fail: an empty list is dropped by the server', async () => {
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'probe', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [] } };
    const got = JSON.parse(await cluster.kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(policy)));
    expect(notKept(policy, got)).toEqual(['.spec.ingress']);
  });
});

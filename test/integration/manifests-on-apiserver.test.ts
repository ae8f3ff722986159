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
      'cert-manager.io/v1/Certificate',
      'external-secrets.io/v1/ExternalSecret',
      'external-secrets.io/v1/SecretStore',
      'external-secrets.io/v1alpha1/PushSecret',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'secrets-store.csi.x-k8s.io/v1/SecretProviderClass',
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
});

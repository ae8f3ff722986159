/**
 * `server` findings: every change to the Vault server that can lose or fork its data or its
 * availability, read from the cluster layer's `vault` Helm release (its values and the server HCL
 * inside them) at base and at head: storage type and settings, seal, listener TLS, replicas, HA
 * mode, data and audit volumes, and the release itself being destroyed. Unseal-layer changes are
 * flagged with the other resource changes (risks.ts). Only setting NAMES are reported.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { changedPaths } from './changes';
import { layerOf } from './concepts';
import type { Finding } from './risks';
import type { StackJson, SynthesizedSide } from './synthesize';

/** The parts of a Vault server that decide where its data is and whether it is reachable. */
interface ServerShape {
  readonly ha?: unknown;
  readonly replicas?: unknown;
  readonly standalone?: unknown;
  /** `raft`, `consul`, ... and its settings (raft `retry_join` left out: it follows replicas and TLS). */
  readonly storageType?: string;
  readonly storageSettings: Record<string, unknown>;
  readonly seal?: string;
  readonly sealSettings: Record<string, unknown>;
  /** Listener settings, TLS ones included. */
  readonly listener: Record<string, unknown>;
  readonly tlsDisabled?: unknown;
  /** Kubernetes Secret the certificate is mounted from. */
  readonly tlsSecret?: unknown;
  readonly dataStorage?: unknown;
  readonly auditStorage?: unknown;
  /** The server config did not parse as HCL (compared as text length only). */
  readonly unparsed?: boolean;
}

type Hcl = Record<string, unknown>;
const first = (v: unknown): Hcl => {
  const x = Array.isArray(v) ? v[0] : v;
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Hcl) : {};
};
/** `storage "raft" { ... }` parses to `{ storage: { raft: [ {...} ] } }`: the label and the body. */
const labelled = (block: unknown): { label?: string; body: Hcl } => {
  const b = first(block);
  const label = Object.keys(b)[0];
  return label ? { label, body: first(b[label]) } : { body: {} };
};
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const names = (a: Record<string, unknown>, b: Record<string, unknown>) => changedPaths(a, b).join(', ');

export async function serverShape(stack: StackJson | undefined): Promise<ServerShape | undefined> {
  const releases = Object.values(stack?.resource?.helm_release ?? {});
  const vault = releases.find((r) => r.chart === 'vault');
  if (!vault) return undefined;
  const values = (Array.isArray(vault.values) ? vault.values : []).map((v) => parseYaml(String(v)) as Record<string, any>);
  const server = Object.assign({}, ...values.map((v) => v?.server ?? {})) as Record<string, any>;
  const global = Object.assign({}, ...values.map((v) => v?.global ?? {})) as Record<string, any>;
  const config = server.ha?.raft?.config ?? server.ha?.config ?? server.standalone?.config;
  const shape = {
    ha: server.ha?.enabled,
    replicas: server.ha?.replicas,
    standalone: server.standalone?.enabled,
    tlsDisabled: global.tlsDisable,
    tlsSecret: (server.volumes as Array<{ secret?: { secretName?: unknown } }> | undefined)?.map((v) => v.secret?.secretName),
    dataStorage: server.dataStorage,
    auditStorage: server.auditStorage,
  };
  if (typeof config !== 'string') return { ...shape, storageSettings: {}, sealSettings: {}, listener: {} };
  let hcl: Hcl;
  try {
    hcl = (await parseHcl('vault.hcl', config)) as Hcl;
  } catch {
    return { ...shape, storageSettings: { config: config.length }, sealSettings: {}, listener: {}, unparsed: true };
  }
  const storage = labelled(hcl.storage);
  const seal = labelled(hcl.seal);
  const storageSettings = Object.fromEntries(Object.entries(storage.body).filter(([k]) => k !== 'retry_join'));
  return {
    ...shape,
    storageType: storage.label,
    storageSettings,
    seal: seal.label ?? 'shamir',
    sealSettings: seal.body,
    listener: labelled(hcl.listener).body,
  };
}

/** What each server change risks, in words. */
export function serverChanges(b: ServerShape, a: ServerShape): string[] {
  const out: string[] = [];
  if (b.storageType !== a.storageType) {
    out.push(
      `Vault storage ${b.storageType ?? 'none'} → ${a.storageType ?? 'none'}: without a migration first (\`vault operator migrate\`, Vault stopped), Vault starts on an empty backend and every secret, policy and role is gone from it`,
    );
  } else if (!same(b.storageSettings, a.storageSettings)) {
    out.push(`Vault ${a.storageType} storage settings change (${names(b.storageSettings, a.storageSettings)}): Vault may read another backend or prefix, where its data is not`);
  }
  if (b.seal !== a.seal) {
    out.push(`Vault seal ${b.seal} → ${a.seal}: needs a seal migration (\`vault operator unseal -migrate\`); without it Vault cannot unseal after its next restart`);
  } else if (!same(b.sealSettings, a.sealSettings)) {
    out.push(`Vault ${a.seal} seal settings change (${names(b.sealSettings, a.sealSettings)}): a different key cannot decrypt the existing root key, so Vault stays sealed after its next restart`);
  }
  const tlsOn = (s: ServerShape) => !s.tlsDisabled && !s.listener.tls_disable;
  if (tlsOn(b) !== tlsOn(a)) {
    out.push(`Vault listener TLS ${tlsOn(b) ? 'on → off' : 'off → on'}: every client (ESO, the injector, raft peers) must switch scheme at the same time, or it cannot reach Vault`);
  } else if (!same(b.listener, a.listener) || !same(b.tlsSecret, a.tlsSecret)) {
    const changed = [names(b.listener, a.listener), same(b.tlsSecret, a.tlsSecret) ? '' : 'certificate secret'].filter(Boolean).join(', ');
    out.push(`Vault listener settings change (${changed}): clients that do not trust the new certificate or settings cannot reach Vault`);
  }
  if (!same(b.replicas, a.replicas)) {
    const down = typeof b.replicas === 'number' && typeof a.replicas === 'number' && a.replicas < b.replicas;
    out.push(`Vault server replicas ${String(b.replicas)} → ${String(a.replicas)}${down ? ': remove the departing raft peers first (`vault operator raft remove-peer`) or the cluster can lose quorum' : ''}`);
  }
  if (!same(b.ha, a.ha) || !same(b.standalone, a.standalone)) {
    out.push(`Vault server mode changes (HA ${String(b.ha)} → ${String(a.ha)}, standalone ${String(b.standalone)} → ${String(a.standalone)}): the StatefulSet and its storage are rebuilt`);
  }
  for (const [what, x, y] of [['data', b.dataStorage, a.dataStorage], ['audit', b.auditStorage, a.auditStorage]] as const) {
    if (!same(x, y)) {
      out.push(`Vault ${what} volume changes (${changedPaths({ v: x }, { v: y }).map((p) => p.replace(/^v\.?/, '') || 'volume').join(', ')}): a StatefulSet's volumeClaimTemplates cannot change in place, so the Helm upgrade fails until the StatefulSet is recreated`);
    }
  }
  return out;
}

/** Server findings for every cluster stack: changed settings, or the Vault release destroyed. */
export async function serverFindings(base: SynthesizedSide | undefined, head: SynthesizedSide): Promise<Finding[]> {
  const findings: Finding[] = [];
  const stacks = [...new Set([...(base?.stacks.keys() ?? []), ...head.stacks.keys()])].filter((n) => layerOf(n) === 'cluster').sort();
  for (const stack of stacks) {
    const before = await serverShape(base?.stacks.get(stack));
    const after = await serverShape(head.stacks.get(stack));
    if (before && !after) {
      findings.push({ level: 'server', also: ['destroy'], stack, text: 'the Vault release is removed: its pods stop and every client loses Vault' });
      continue;
    }
    if (!before || !after) continue;
    for (const text of serverChanges(before, after)) findings.push({ level: 'server', stack, text });
  }
  return findings;
}

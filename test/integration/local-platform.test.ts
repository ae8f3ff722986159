/**
 * The `local` environment of each reference platform as a whole platform, on real components: etcd,
 * kube-apiserver and kube-controller-manager (scripts/lib/cluster.ts), the External Secrets Operator
 * controller, and OpenBao, all on 127.0.0.1. The three local stacks are applied with OpenTofu, and
 * the test checks what a platform engineer asks first: does each pod's identity get its secrets,
 * and only its secrets?
 *
 * Values are compared by SHA-256 digest and never printed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { planPlatform, type PlatformPlan, type SyncPlan } from '../../config/plan';
import { startLocalCluster, type LocalCluster } from '../../scripts/lib/cluster';
import {
  externalSecretStatuses,
  fillExternalSlots,
  localKubeEnv,
  localSyncLayerEnv,
  localVaultLayerEnv,
  waitForAllSynced,
  type LocalPlatformTarget,
} from '../../scripts/lib/local-platform';
import { startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { sleep } from '../../scripts/lib/processes';
import { tofu, tofuInit } from '../../scripts/lib/tofu';
import { platformVariant } from '../support/platform-variants';
import { runApp } from '../support/run-app';
import { platformNamed } from '../support/synth';

jest.setTimeout(900_000);

const digest = (v: string) => createHash('sha256').update(v).digest('hex');

type Layer = 'cluster' | 'vault-config' | 'sync';

/** Every file under `dir`, skipping provider binaries. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'providers' || f === '.terraform') return [];
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });

describe.each(['waqiti', 'pea-forecast'])('%s (local): a whole platform on a real API server, ESO and OpenBao', (name) => {
  const platform = platformNamed(name);
  const plan: PlatformPlan = planPlatform(platform, 'local');
  const target: LocalPlatformTarget = { name, vaultNamespace: platform.vault.namespace };
  const synth = runApp({ VSP_ONLY: `${name}-local` });
  const work = join(synth.outdir, '..');
  const statePath = (layer: Layer) => join(work, 'state', `${name}-local-${layer}.tfstate`);
  const stackDir = (outdir: string, layer: Layer) => join(outdir, 'stacks', `${name}-local-${layer}`);
  const extraDirs: string[] = [];
  let bao: OpenBaoServer;
  let cluster: LocalCluster;
  let secondPlanExit: number | undefined;
  let secondPlanChanges: string[] = [];

  const envFor = async (layer: Layer): Promise<Record<string, string>> =>
    layer === 'cluster' ? localKubeEnv(cluster, target) : layer === 'vault-config' ? localVaultLayerEnv(bao, cluster, target) : localSyncLayerEnv(bao, cluster, target);

  /** init (mirror only) + apply of one layer from a synthesized output, on the shared state. */
  const apply = async (outdir: string, layer: Layer): Promise<void> => {
    const env = await envFor(layer);
    const dir = stackDir(outdir, layer);
    await tofuInit(dir, statePath(layer), env);
    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
  };

  const vault = async (method: string, path: string, body?: unknown, token = bao.rootToken): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${bao.addr}/v1/${path}`, {
      method,
      headers: { ...(token ? { 'x-vault-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  const vaultData = async (path: string): Promise<Record<string, string>> => {
    const r = await vault('GET', `${plan.mount}/data/${path}`);
    expect(r.status).toBe(200);
    return r.body.data.data as Record<string, string>;
  };
  const login = (role: string, jwt: string) => vault('POST', 'auth/kubernetes/login', { role, jwt }, '');

  const secretData = async (namespace: string, secretName: string): Promise<Record<string, string> | undefined> => {
    const r = await cluster.api('GET', `/api/v1/namespaces/${namespace}/secrets/${secretName}`);
    if (r.status === 404) return undefined;
    expect(r.status).toBe(200);
    const data = (r.body as { data?: Record<string, string> }).data ?? {};
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  /** Digest of every synced Secret, keyed `namespace/name`. */
  const syncedDigests = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const s of plan.syncs) {
      const data = await secretData(s.namespace, s.targetName);
      out[`${s.namespace}/${s.targetName}`] = digest(JSON.stringify(Object.entries(data ?? {}).sort()));
    }
    return out;
  };
  const waitUntil = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(1000);
    }
  };

  beforeAll(async () => {
    expect(synth.status).toBe(0);
    [bao, cluster] = await Promise.all([startOpenBao(), startLocalCluster({ contexts: [`${name}-local`], eso: true })]);
    await apply(synth.outdir, 'cluster');
    await apply(synth.outdir, 'vault-config');
    // External slots are filled out of band, as an operator would; the values are random and only
    // their digests are ever compared.
    await fillExternalSlots(bao, plan.mount, plan.external);
    await apply(synth.outdir, 'sync');
    const env = await envFor('sync');
    const dir = stackDir(synth.outdir, 'sync');
    const planFile = join(work, 'sync-second.tfplan');
    try {
      await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false', '-out', planFile], { dir, env });
      secondPlanExit = 0;
    } catch (err) {
      secondPlanExit = (err as { status?: number }).status ?? undefined;
    }
    const shown = JSON.parse((await tofu(['show', '-json', planFile], { dir, env })).stdout) as { resource_changes?: Array<{ address: string; change: { actions: string[] } }> };
    secondPlanChanges = (shown.resource_changes ?? []).filter((c) => c.change.actions.join() !== 'no-op').map((c) => `${c.address}: ${c.change.actions.join()}`);
  });

  afterAll(async () => {
    await cluster?.stop();
    await bao?.stop();
    rmSync(work, { recursive: true, force: true });
    for (const d of extraDirs) rmSync(join(d, '..'), { recursive: true, force: true });
  });

  it('applies the sync layer, and a second plan is empty (no perpetual diff from server-side defaults)', () => {
    expect(secondPlanChanges).toEqual([]);
    expect(secondPlanExit).toBe(0);
  });

  it('logs in every bound service account with a real token and grants exactly its service policies; other tokens are refused', async () => {
    await cluster.kubectl(['create', 'namespace', 'vsp-intruder']);
    for (const svc of plan.services) {
      for (const sa of svc.serviceAccounts) {
        const ok = await login(svc.role.name, await cluster.createToken(svc.namespace, sa, { audience: plan.env.auth.audience }));
        expect({ role: svc.role.name, sa, status: ok.status }).toEqual({ role: svc.role.name, sa, status: 200 });
        expect([...ok.body.auth.token_policies].filter((p: string) => p !== 'default').sort()).toEqual([...svc.role.policies].sort());
        expect(ok.body.auth.metadata).toMatchObject({ service_account_name: sa, service_account_namespace: svc.namespace });
      }
      const sa = svc.serviceAccounts[0];
      // The same account name in another namespace.
      await cluster.kubectl(['create', 'serviceaccount', sa, '-n', 'vsp-intruder']).catch(() => undefined);
      const elsewhere = await login(svc.role.name, await cluster.createToken('vsp-intruder', sa, { audience: plan.env.auth.audience }));
      expect({ case: 'other namespace', role: svc.role.name, status: elsewhere.status }).toEqual({ case: 'other namespace', role: svc.role.name, status: 403 });
      // A token for the right account but the API server's audience instead of `vault`.
      const wrongAudience = await login(svc.role.name, await cluster.createToken(svc.namespace, sa));
      expect({ case: 'wrong audience', role: svc.role.name, status: wrongAudience.status }).toEqual({ case: 'wrong audience', role: svc.role.name, status: 403 });
      // A tampered token: the payload changed, the signature kept.
      const [h, p, sig] = (await cluster.createToken(svc.namespace, sa, { audience: plan.env.auth.audience })).split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      claims['kubernetes.io'].serviceaccount.name = `${sa}-x`;
      const tampered = await login(svc.role.name, [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.'));
      expect(tampered.status).toBeGreaterThanOrEqual(400);
      expect(tampered.body.auth ?? null).toBeNull();
      // Another service's account (one this role does not bind).
      const other = plan.services.find((o) => !o.serviceAccounts.some((x) => svc.serviceAccounts.includes(x) && o.namespace === svc.namespace));
      if (other) {
        const foreign = await login(svc.role.name, await cluster.createToken(other.namespace, other.serviceAccounts[0], { audience: plan.env.auth.audience }));
        expect({ case: 'another service', role: svc.role.name, as: other.name, status: foreign.status }).toEqual({ case: 'another service', role: svc.role.name, as: other.name, status: 403 });
      }
    }
  });

  // ESO's part of the platform: what each service's store syncs, and what it refuses. A platform
  // that delivers nothing through ESO (PEA RE Forecast uses the injector and CSI) gets one test
  // that the cluster indeed holds no ExternalSecret.
  if (plan.syncs.length > 0) {
    it('brings every ExternalSecret to SecretSynced, each Secret with exactly the declared keys and the values Vault holds', async () => {
      expect(plan.syncs.length).toBeGreaterThan(0);
      const all = await waitForAllSynced(cluster, plan.syncs.length);
      expect(all.map((e) => `${e.namespace}/${e.name}`).sort()).toEqual(plan.syncs.map((s) => `${s.namespace}/${s.targetName}`).sort());
      for (const e of all) expect(e.reason).toBe('SecretSynced');
      for (const s of plan.syncs) {
        const inVault = await vaultData(s.secret.path);
        const inKube = await secretData(s.namespace, s.targetName);
        expect(Object.keys(inKube ?? {}).sort()).toEqual([...s.secret.keys].sort());
        for (const k of s.secret.keys) expect(digest(inKube![k])).toBe(digest(inVault[k]));
      }
    });

    it("refuses a sync that asks a service's store for a neighbour's path, and creates no Secret", async () => {
      const svc = plan.services.find((s) => s.syncs.length > 0)!;
      const neighbour = plan.syncs.find((s) => !svc.secrets.some((own) => own.path === s.secret.path))!;
      expect(neighbour).toBeDefined();
      const probe = 'vsp-neighbour-probe';
      await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: probe, namespace: svc.namespace },
        spec: {
          refreshInterval: '10s',
          secretStoreRef: { kind: 'SecretStore', name: svc.syncs[0].storeName },
          target: { name: probe, creationPolicy: 'Owner' },
          data: neighbour.secret.keys.map((k) => ({ secretKey: k, remoteRef: { key: neighbour.secret.path, property: k } })),
        },
      }));
      const failed = await waitUntil(
        'the probe to fail',
        async () => {
          const e = (await externalSecretStatuses(cluster)).find((x) => x.namespace === svc.namespace && x.name === probe);
          return e && e.ready === 'False' ? e : undefined;
        },
        120_000,
      );
      expect(failed.reason).toBe('SecretSyncedError');
      const events = await cluster.kubectl(['get', 'events', '-n', svc.namespace, '--field-selector', `involvedObject.name=${probe}`, '-o', 'json']);
      expect(events).toMatch(/permission denied|403/);
      expect(await secretData(svc.namespace, probe)).toBeUndefined();
      await cluster.kubectl(['delete', 'externalsecret', probe, '-n', svc.namespace]);
    });

    it('carries a rotation (generation bump) to exactly that Secret, within the refresh interval', async () => {
      const rotated: SyncPlan | undefined = plan.syncs.find((s) => s.secret.origin.kind === 'generated');
      expect(rotated).toBeDefined();
      const before = await syncedDigests();
      const variant = runApp({
        VSP_ONLY: `${name}-local`,
        VSP_PLATFORMS_MODULE: platformVariant(`${name}-rotate`, `secret(named(${JSON.stringify(name)}), ${JSON.stringify(rotated!.secret.path)}).origin.generation += 1;`),
      });
      extraDirs.push(variant.outdir);
      expect(variant.status).toBe(0);
      await apply(variant.outdir, 'vault-config');
      const changedKey = `${rotated!.namespace}/${rotated!.targetName}`;
      const after = await waitUntil(
        `${changedKey} to change`,
        async () => {
          const d = await syncedDigests();
          return d[changedKey] !== before[changedKey] ? d : undefined;
        },
        120_000,
      );
      // Every Secret synced from the rotated Vault secret changes (other consumers too); none other.
      const fromRotated = new Set(plan.syncs.filter((s) => s.secret.path === rotated!.secret.path).map((s) => `${s.namespace}/${s.targetName}`));
      await sleep(20_000); // a further refresh interval, so a stray change would show
      const settled = await syncedDigests();
      for (const [key, d] of Object.entries(settled)) {
        if (fromRotated.has(key)) expect({ key, changed: d !== before[key] }).toEqual({ key, changed: true });
        else expect({ key, changed: d !== before[key] }).toEqual({ key, changed: false });
      }
      expect(after[changedKey]).toBe(settled[changedKey]);
      const inVault = await vaultData(rotated!.secret.path);
      const inKube = await secretData(rotated!.namespace, rotated!.targetName);
      for (const k of rotated!.secret.keys) expect(digest(inKube![k])).toBe(digest(inVault[k]));
    });

    it('removes the ExternalSecret of a consumer taken out of the inventory, and its owned Secret goes with it', async () => {
      const removed = plan.syncs.find((s) => s.secret.consumers.length > 1) ?? plan.syncs[0];
      const variant = runApp({
        VSP_ONLY: `${name}-local`,
        VSP_PLATFORMS_MODULE: platformVariant(
          `${name}-remove`,
          `const p = named(${JSON.stringify(name)}); const svc = service(p, ${JSON.stringify(removed.service)}); const sec = secret(p, ${JSON.stringify(removed.secret.path)});
           svc.reads = svc.reads.filter((r) => r !== sec.path); sec.consumers = sec.consumers.filter((c) => c !== svc.name);`,
        ),
      });
      extraDirs.push(variant.outdir);
      expect({ status: variant.status, stderr: variant.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
      await apply(variant.outdir, 'vault-config');
      await apply(variant.outdir, 'sync');
      const list = await externalSecretStatuses(cluster);
      expect(list.some((e) => e.namespace === removed.namespace && e.name === removed.targetName)).toBe(false);
      // creationPolicy Owner: the garbage collector removes the Secret with its ExternalSecret.
      await waitUntil(`${removed.namespace}/${removed.targetName} to be collected`, async () => ((await secretData(removed.namespace, removed.targetName)) ? undefined : true), 60_000);
      // The others are untouched.
      for (const s of plan.syncs.filter((x) => x !== removed)) expect(await secretData(s.namespace, s.targetName)).toBeDefined();
    });
  } else {
    it('delivers nothing through ESO, and the cluster holds no ExternalSecret', async () => {
      expect(plan.services.every((svc) => svc.secrets.every((sec) => !sec.delivery.includes('eso')))).toBe(true);
      expect(await externalSecretStatuses(cluster)).toEqual([]);
    });
  }

  it('puts no secret value into cdktf.out, the plans or the state of any local layer', async () => {
    const values: string[] = [];
    for (const s of platform.secrets) values.push(...Object.values(await vaultData(s.path)));
    expect(values.length).toBeGreaterThan(0);
    const files = [work, ...extraDirs.map((d) => join(d, '..'))].flatMap(filesUnder);
    expect(files.some((f) => f.endsWith('sync.tfstate'))).toBe(true);
    expect(files.some((f) => f.endsWith('.tfplan'))).toBe(true);
    const leaking = files.filter((f) => {
      const text = readFileSync(f).toString('latin1');
      return values.some((v) => text.includes(v));
    });
    expect(leaking).toEqual([]);
  });
});

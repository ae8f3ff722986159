/**
 * The snapshot job's Vault policy on a real OpenBao with integrated (Raft) storage: a token holding
 * exactly the policy the plan gives `<platform>-vault-snapshot` downloads a snapshot (a gzip'd
 * archive) and is denied everything else the test tries. The Kubernetes login and the S3 upload of
 * the CronJob are covered by the unit tests' assertions on the manifest; the AWS side by the
 * checkov and unit tests.
 */
import { randomBytes } from 'node:crypto';
import { renderPolicyHcl } from '../../constructs/vault-policy';
import { planPlatform } from '../../config/plan';
import { startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { baoOk, baoRequest, requireBaoBinary } from '../support/openbao-client';
import { platformNamed } from '../support/synth';

jest.setTimeout(120_000);

const plan = planPlatform(platformNamed('waqiti'), 'prod');
const access = plan.snapshotAccess!;

describe('waqiti (prod plan): the snapshot policy on OpenBao with Raft storage', () => {
  let server: OpenBaoServer;
  let token = '';

  beforeAll(async () => {
    requireBaoBinary();
    server = await startOpenBao({ storage: 'raft' });
    const a = server.addr;
    const t = server.rootToken;
    await baoOk(a, t, 'PUT', `sys/policies/acl/${access.policy.name}`, { policy: renderPolicyHcl(access.policy.grants) });
    await baoOk(a, t, 'POST', `sys/mounts/${plan.mount}`, { type: 'kv', options: { version: '2' } });
    // A new KV v2 mount upgrades itself first and answers 400 until then.
    const deadline = Date.now() + 30_000;
    let written = await baoRequest(a, t, 'POST', `${plan.mount}/data/auth`, { data: { 'jwt-secret': randomBytes(24).toString('base64url') } });
    while (written.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      written = await baoRequest(a, t, 'POST', `${plan.mount}/data/auth`, { data: { 'jwt-secret': randomBytes(24).toString('base64url') } });
    }
    expect(written.status).toBe(200);
    token = (await baoOk(a, t, 'POST', 'auth/token/create', { policies: access.role.policies, ttl: `${access.role.tokenTtlSeconds}s` })).body.auth.client_token;
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('the policy is read on sys/storage/raft/snapshot and nothing else', () => {
    expect(access.policy.grants).toEqual([{ path: 'sys/storage/raft/snapshot', capabilities: ['read'] }]);
    expect(access.role).toMatchObject({ serviceAccounts: ['vault-snapshot'], namespaces: ['vault'], tokenTtlSeconds: 600 });
  });

  test('its token downloads a snapshot', async () => {
    const r = await fetch(`${server.addr}/v1/sys/storage/raft/snapshot`, { headers: { 'x-vault-token': token }, signal: AbortSignal.timeout(30_000) });
    expect(r.status).toBe(200);
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(100);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip
  });

  test.each([
    ['read a secret', 'GET', `${plan.mount}/data/auth`],
    ['restore a snapshot', 'POST', 'sys/storage/raft/snapshot'],
    ['force-restore a snapshot', 'POST', 'sys/storage/raft/snapshot-force'],
    ['read the Raft configuration', 'GET', 'sys/storage/raft/configuration'],
    ['list policies', 'GET', 'sys/policies/acl?list=true'],
    ['remove a Raft peer', 'POST', 'sys/storage/raft/remove-peer'],
  ])('its token cannot %s', async (_what, method, path) => {
    const r = await baoRequest(server.addr, token, method, path, method === 'POST' ? {} : undefined);
    expect(r.status).toBe(403);
  });
});

/**
 * `npm run restore` against a real OpenBao and moto. The backups of WAQITI prod exist in moto as the
 * backup layer declares them (a multi-Region key and its replicas, each backup under it and
 * replicated; aws-apply.test.ts proves the layer creates exactly these); the test then plays ESO's
 * PushSecret (PutSecretValue of the secret's JSON document, as the PushSecret writes it) and Vault's
 * operators (writes, destroys). Values are random per run, and no run may print one.
 *
 * A regional outage is simulated by a proxy in front of moto that refuses every request signed for
 * the primary region, so a restore from a replica region is proven to read the replica.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { planPlatform } from '../../config/plan';
import { startMoto, type MotoServer } from '../../scripts/lib/moto';
import { startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { awsClients, createBackupContainers } from '../support/aws';
import { baoOk, baoRequest } from '../support/openbao-client';
import { platformNamed } from '../support/synth';

jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
const platform = platformNamed('waqiti');
const plan = planPlatform(platform, 'prod');
const { aws } = plan.env;
const mount = plan.mount;
const [replicaRegion] = aws.replicaRegions;

let moto: MotoServer;
let bao: OpenBaoServer;
let outage: Server;
let outageEndpoint: string;
/** Every value written in this file: none may appear in any output. */
const values: string[] = [];

/** A fresh random value, remembered for the leak check. */
const value = (): string => {
  const v = randomBytes(24).toString('base64url');
  values.push(v);
  return v;
};

/** A proxy to moto that answers 503 to every request signed for `region`. */
function regionalOutage(region: string): Promise<Server> {
  const target = new URL(moto.endpoint);
  const server = createServer((req, res) => {
    if (new RegExp(`Credential=[^/]+/\\d{8}/${region}/`).test(req.headers.authorization ?? '')) {
      res.writeHead(503, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'ServiceUnavailable', message: `${region} is down (test)` }));
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

/** Runs `npm run restore -- <args>`; returns exit code and output. */
function restore(args: string[], endpoint = moto.endpoint): Promise<{ code: number | null; out: string; err: string }> {
  const env = { ...process.env, ...moto.clientEnv(aws.primaryRegion), AWS_ENDPOINT_URL: endpoint, VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, AWS_MAX_ATTEMPTS: '1' };
  return new Promise((done) => {
    const child = spawn('npm', ['run', '--silent', 'restore', '--', '--platform', 'waqiti', '--env', 'prod', ...args], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // npm's own configuration warnings are not the command's output.
    child.on('close', (code) => done({ code, out, err: err.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n') }));
  });
}

/** Plays ESO's PushSecret: the whole document as one JSON string. */
async function pushBackup(path: string, doc: Record<string, string>): Promise<void> {
  await awsClients(moto, aws.primaryRegion).sm.send(new PutSecretValueCommand({ SecretId: `waqiti/backup/${path}`, SecretString: JSON.stringify(doc) }));
}

const vaultWrite = (path: string, data: Record<string, string>) => baoOk(bao.addr, bao.rootToken, 'POST', `${mount}/data/${path}`, { data });
const vaultRead = async (path: string) => (await baoRequest(bao.addr, bao.rootToken, 'GET', `${mount}/data/${path}`)).body?.data?.data as Record<string, string> | null | undefined;
const vaultMeta = async (path: string) => (await baoOk(bao.addr, bao.rootToken, 'GET', `${mount}/metadata/${path}`)).body.data as { current_version: number; versions: Record<string, { destroyed: boolean }> };
const noValueIn = (r: { out: string; err: string }) => values.filter((v) => r.out.includes(v) || r.err.includes(v));

beforeAll(async () => {
  moto = await startMoto({ accountId: aws.accountId });
  bao = await startOpenBao();
  await baoOk(bao.addr, bao.rootToken, 'POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } });
  await createBackupContainers(moto, 'waqiti', plan.backup!.secrets.map((s) => s.path), aws.primaryRegion, aws.replicaRegions);
  outage = await regionalOutage(aws.primaryRegion);
  outageEndpoint = `http://127.0.0.1:${(outage.address() as AddressInfo).port}`;
});
afterAll(async () => {
  outage?.close();
  await bao?.stop();
  await moto?.stop();
});

test('a secret destroyed in Vault comes back from its backup as a new version', async () => {
  const doc = { 'jwt-secret': value() };
  await vaultWrite('auth', doc);
  await pushBackup('auth', doc);
  await baoOk(bao.addr, bao.rootToken, 'POST', `${mount}/destroy/auth`, { versions: [1] });
  expect(await vaultRead('auth')).toBeNull();
  const r = await restore(['--secret', 'auth']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(new RegExp(`^restored ${mount}/auth as version 2 from waqiti/backup/auth in ${aws.primaryRegion} .*keys: jwt-secret\\.`));
  expect(await vaultRead('auth')).toEqual(doc);
  expect(noValueIn(r)).toEqual([]);
});

test('a restore when Vault already holds the backup writes nothing', async () => {
  const before = (await vaultMeta('auth')).current_version;
  const r = await restore(['--secret', 'auth']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^Vault already holds the backup: .* Nothing written\./);
  expect((await vaultMeta('auth')).current_version).toBe(before);
});

test('with the primary region down, the restore fails there and works from a replica region', async () => {
  const doc = { 'master-key': value(), 'data-key': value() };
  await vaultWrite('encryption', doc);
  await pushBackup('encryption', doc);
  await baoOk(bao.addr, bao.rootToken, 'DELETE', `${mount}/metadata/encryption`);
  const down = await restore(['--secret', 'encryption'], outageEndpoint);
  expect(down.code).toBe(3);
  expect(down.err).toMatch(new RegExp(`^restore failed: Secrets Manager GetSecretValue of waqiti/backup/encryption in ${aws.primaryRegion} failed`));
  const r = await restore(['--secret', 'encryption', '--region', replicaRegion], outageEndpoint);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(new RegExp(`^restored ${mount}/encryption as version 1 from waqiti/backup/encryption in ${replicaRegion} `));
  expect(await vaultRead('encryption')).toEqual(doc);
  expect(noValueIn(down)).toEqual([]);
  expect(noValueIn(r)).toEqual([]);
});

test('a dry run says what it would write and writes nothing', async () => {
  const doc = { 'client-id': value(), 'client-secret': value() };
  await vaultWrite('payment-providers/paypal', doc);
  await pushBackup('payment-providers/paypal', doc);
  await baoOk(bao.addr, bao.rootToken, 'POST', `${mount}/destroy/payment-providers/paypal`, { versions: [1] });
  const r = await restore(['--secret', 'payment-providers/paypal', '--dry-run']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(new RegExp(`^dry run: would write ${mount}/payment-providers/paypal version 2 from .*keys: client-id, client-secret\\. Nothing written\\.`));
  const meta = await vaultMeta('payment-providers/paypal');
  expect(meta.current_version).toBe(1);
  expect(meta.versions['1'].destroyed).toBe(true);
  expect(noValueIn(r)).toEqual([]);
});

test('a restore that would overwrite a newer Vault version is refused unless --force', async () => {
  const backedUp = { 'api-key': value(), 'webhook-secret': value() };
  await pushBackup('payment-providers/stripe', backedUp);
  const newer = { 'api-key': value(), 'webhook-secret': value() };
  await vaultWrite('payment-providers/stripe', newer);
  const refused = await restore(['--secret', 'payment-providers/stripe']);
  expect(refused.code).toBe(1);
  expect(refused.err).toMatch(/^restore refused: Vault's current version 1 of waqiti\/payment-providers\/stripe \(written .*\) is newer than the backup \(pushed .*\) and differs from it\. Nothing was written; --force overwrites it/);
  expect(await vaultRead('payment-providers/stripe')).toEqual(newer);
  const forced = await restore(['--secret', 'payment-providers/stripe', '--force']);
  expect(forced.code).toBe(0);
  expect(forced.out).toMatch(/as version 2 .*\(overwrote a newer version, --force\)\.$/m);
  expect(await vaultRead('payment-providers/stripe')).toEqual(backedUp);
  expect(noValueIn(refused)).toEqual([]);
  expect(noValueIn(forced)).toEqual([]);
});

test('a backup whose keys no longer match the inventory is refused with both lists of key names', async () => {
  const doc = { 'client-id': value(), 'old-secret': value() };
  await pushBackup('payment-providers/plaid', doc);
  const r = await restore(['--secret', 'payment-providers/plaid']);
  expect(r.code).toBe(1);
  expect(r.err).toContain('does not match the inventory\'s keys for waqiti/payment-providers/plaid: missing secret; not in the inventory old-secret.');
  expect((await baoRequest(bao.addr, bao.rootToken, 'GET', `${mount}/metadata/payment-providers/plaid`)).status).toBe(404);
  expect(noValueIn(r)).toEqual([]);
});

test('bad usage names every problem at once and touches nothing', async () => {
  const r = await restore(['--secret', 'infrastructure/redis', '--region', 'us-west-2']);
  expect(r.code).toBe(2);
  expect(r.err).toContain('--secret: "infrastructure/redis" is not critical, so it has no backup');
  expect(r.err).toContain(`--region: the backups of waqiti prod are in ${[aws.primaryRegion, ...aws.replicaRegions].join(', ')}`);
});

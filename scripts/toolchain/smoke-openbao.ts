/**
 * Smoke test of scripts/lib/openbao.ts against the toolchain's bao:
 * start, mount kv-v2 at secret/, write + read, restart, read again,
 * enable a file audit device (path stdout), stop.
 *
 *   npx tsx scripts/toolchain/smoke-openbao.ts [--keep]
 *
 * --keep leaves the server's folder (with a 0600 credentials.json) behind and
 * prints its path, never the token.
 */
import { startOpenBao, writeCredentialsFile, type OpenBaoServer } from '../lib/openbao';

async function api(s: OpenBaoServer, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${s.addr}/v1/${path}`, {
    method,
    headers: { 'x-vault-token': s.rootToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /v1/${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`smoke check failed: ${what}`);
  console.log(`ok - ${what}`);
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const t0 = Date.now();
  const s = await startOpenBao({ keep });
  console.log(`started OpenBao at ${s.addr} in ${Date.now() - t0} ms (data: ${s.dataDir})`);
  try {
    await api(s, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
    const mounts = (await api(s, 'GET', 'sys/mounts')) as { data: Record<string, { type: string; options?: { version?: string } }> };
    check(mounts.data['secret/']?.options?.version === '2', 'kv-v2 mounted at secret/');

    await api(s, 'POST', 'secret/data/smoke/app', { data: { greeting: 'hello' } });
    const r1 = (await api(s, 'GET', 'secret/data/smoke/app')) as { data: { data: { greeting: string } } };
    check(r1.data.data.greeting === 'hello', 'write + read secret/smoke/app');

    const t1 = Date.now();
    await s.restart();
    console.log(`restarted and unsealed in ${Date.now() - t1} ms`);
    const r2 = (await api(s, 'GET', 'secret/data/smoke/app')) as { data: { data: { greeting: string } } };
    check(r2.data.data.greeting === 'hello', 'value survives restart');

    await api(s, 'PUT', 'sys/audit/stdout', { type: 'file', options: { file_path: 'stdout' } });
    const audits = (await api(s, 'GET', 'sys/audit')) as { data?: Record<string, { type: string }> } & Record<string, unknown>;
    const list = (audits.data ?? audits) as Record<string, { type: string }>;
    check(list['stdout/']?.type === 'file', 'file audit device enabled at stdout/ through the API');

    if (keep) {
      const f = writeCredentialsFile(s);
      console.log(`kept: credentials in ${f} (mode 0600); server log ${s.logFile}`);
    }
  } finally {
    await s.stop();
  }
  console.log(`stopped; total ${Date.now() - t0} ms`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

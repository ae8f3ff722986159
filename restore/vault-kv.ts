/**
 * The three KV v2 calls a restore needs (metadata, read, write with check-and-set), over Vault's
 * HTTP API. Errors carry the status and Vault's error strings only, never data.
 */
import { vaultRequest } from '../scripts/lib/vault-http';

/** Thrown when Vault answers with an unexpected status or cannot be reached (exit 3). */
export class VaultError extends Error {}

/** A secret's KV v2 metadata, as far as a restore needs it. */
export interface KvMetadata {
  /** 0 when the secret has never been written. */
  readonly currentVersion: number;
  /** The current version's `created_time`; undefined when there is none. */
  readonly createdTime?: Date;
  /** Whether the current version is soft-deleted or destroyed (it then has no data). */
  readonly currentGone: boolean;
}

export class VaultKv {
  constructor(
    private readonly addr: string,
    private readonly token: string,
    private readonly mount: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    try {
      return await vaultRequest(this.addr, this.token, method, `${this.mount}/${path}`, body);
    } catch (err) {
      throw new VaultError(`cannot reach Vault at ${this.addr}: ${(err as Error).message}`);
    }
  }

  private fail(what: string, r: { status: number; body: any }): VaultError {
    const errors = Array.isArray(r.body?.errors) ? r.body.errors.map(String).join('; ') : '';
    return new VaultError(`Vault ${what} of ${this.mount}: HTTP ${r.status}${errors ? ` (${errors})` : ''}`);
  }

  async metadata(path: string): Promise<KvMetadata> {
    const r = await this.call('GET', `metadata/${path}`);
    if (r.status === 404) return { currentVersion: 0, currentGone: true };
    if (r.status !== 200) throw this.fail(`metadata read of ${path}`, r);
    const data = r.body.data as { current_version: number; versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }> };
    const current = data.versions[String(data.current_version)];
    if (!current) return { currentVersion: data.current_version, currentGone: true };
    return { currentVersion: data.current_version, createdTime: new Date(current.created_time), currentGone: current.destroyed || current.deletion_time !== '' };
  }

  /** The current version's data (keys → values). Never log it. */
  async read(path: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.call('GET', `data/${path}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw this.fail(`read of ${path}`, r);
    return (r.body?.data?.data ?? undefined) as Record<string, unknown> | undefined;
  }

  /** Writes a new version only if the current one is still `cas` (0 = the secret must not exist). */
  async write(path: string, data: Record<string, string>, cas: number): Promise<number> {
    const r = await this.call('POST', `data/${path}`, { options: { cas }, data });
    if (r.status !== 200) throw this.fail(`write of ${path}`, r);
    return Number(r.body.data.version);
  }
}

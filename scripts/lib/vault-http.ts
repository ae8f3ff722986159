/**
 * One call to Vault's (or OpenBao's) HTTP API, for the tools that talk to it directly: the demo's
 * access proof and `npm run restore`. The parsed body goes back to the caller only; nothing here
 * logs it.
 */

/** Status and JSON body (undefined when the body is empty or not JSON) of one Vault API call. */
export interface VaultResponse {
  readonly status: number;
  readonly body: any;
}

/**
 * `method /v1/<path>` on `addr`, with `token` as `X-Vault-Token` when given and `body` as JSON.
 * Rejects only when Vault cannot be reached (or does not answer within 15 s); every HTTP status
 * resolves.
 */
export async function vaultRequest(addr: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<VaultResponse> {
  const res = await fetch(`${addr.replace(/\/+$/, '')}/v1/${path}`, {
    method,
    headers: { ...(token ? { 'x-vault-token': token } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed };
}

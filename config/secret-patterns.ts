/**
 * What a literal secret value looks like. Used to refuse config that carries one, and by the tests
 * that scan every synthesized file, plan and state for values.
 */

/** Well-known credential formats, each with the name reported when it matches. */
export const SECRET_PATTERNS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'Stripe key', pattern: /\b(sk|rk|pk)_(live|test)_[0-9A-Za-z]{10,}/ },
  { name: 'Stripe webhook secret', pattern: /\bwhsec_[0-9A-Za-z]{10,}/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}/ },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[0-9A-Za-z]{30,}/ },
  { name: 'private key block', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'JSON web token', pattern: /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]+/ },
  { name: 'Vault token', pattern: /\b(hvs|hvb|hvr|s|b)\.[0-9A-Za-z]{24,}\b/ },
  { name: 'URL with embedded password', pattern: /[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]{3,}@/i },
];

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A token that looks randomly generated: at least 24 characters without spaces, letters and
 * digits mixed, and high entropy. ARNs, URLs, paths and cdktf logical ids (`name_0B7388A8`) are
 * structured, not random, and are skipped.
 */
export function looksRandom(token: string): boolean {
  if (token.length < 24 || /^(arn:|https?:\/\/)/.test(token) || /[/:]/.test(token)) return false;
  if (/_[0-9A-F]{8}(?![0-9A-F])/.test(token)) return false;
  if (!/[0-9]/.test(token) || !/[A-Za-z]/.test(token)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((c) => c.test(token)).length;
  return classes >= 3 && shannonEntropy(token) >= 4.2;
}

/** The names of the secret-like things found in `text`; empty when it looks clean. */
export function findSecretLikeValues(text: string): string[] {
  const found = SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name);
  const randomToken = text.split(/[\s"'`,;=()[\]{}<>]+/).find(looksRandom);
  if (randomToken) found.push('high-entropy string');
  return found;
}

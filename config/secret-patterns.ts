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
];

/**
 * A password in a URL (`scheme://user:password@host`), however short. A template reference in its
 * place (`{{ .Data.data.password }}`, `${PASSWORD}`, `<password>`) is not a value.
 */
function urlPassword(text: string): boolean {
  const re = /[a-z][a-z0-9+.-]*:\/\/([^\s:/@]*):([^\s@/]+)@/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const password = m[2];
    const reference = (s: string) => /^(\{\{|\$\{|\$\(|%\{|<.*>$|\$[A-Za-z_])/.test(s) || /^\*+$/.test(s);
    if (!reference(password)) return true;
  }
  return false;
}

/**
 * An AWS secret access key: exactly 40 characters of base64 (letters, digits, "/" and "+"),
 * mixing cases, standing alone.
 */
function awsSecretKey(text: string): boolean {
  const re = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const t = m[0];
    if (/[a-z]/.test(t) && /[A-Z]/.test(t) && /[0-9/+]/.test(t) && shannonEntropy(t) >= 4.0 && !/^[a-z0-9-]+(\/[A-Za-z0-9-]+)+$/.test(t)) return true;
  }
  return false;
}

/**
 * A long hex key (128 bits or more): 32+ hex digits mixing letters and digits. Labelled hashes
 * (`sha256:`, `h1:`, `zh:`) and EKS OIDC provider ids (`/id/<hex>`) are not keys.
 */
function hexKey(text: string): boolean {
  const re = /(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = text.slice(Math.max(0, m.index - 8), m.index);
    if (/(sha[0-9]*[:-]|h1:|zh:|\/id\/)$/i.test(before)) continue;
    if (/[0-9]/.test(m[0]) && /[a-f]/i.test(m[0]) && (m[0] === m[0].toLowerCase() || m[0] === m[0].toUpperCase())) return true;
  }
  return false;
}

/** Detectors that need more than one regular expression. */
const SECRET_DETECTORS: ReadonlyArray<{ name: string; test: (text: string) => boolean }> = [
  { name: 'URL with embedded password', test: urlPassword },
  { name: 'AWS secret access key', test: awsSecretKey },
  { name: 'long hex key', test: hexKey },
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
  // Nothing shorter than 10 characters matches a pattern, except a URL with a password ("a://:p@h").
  if (text.length < 10 && !text.includes('@')) return [];
  const found = [...SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)), ...SECRET_DETECTORS.filter((d) => d.test(text))].map(({ name }) => name);
  const randomToken = text.split(/[\s"'`,;=()[\]{}<>]+/).find(looksRandom);
  if (randomToken) found.push('high-entropy string');
  return found;
}

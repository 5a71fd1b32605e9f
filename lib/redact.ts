// The one redaction filter. Every output path (log lines, JSON events, command
// echoes, errors carrying a tool's stderr) passes text through redact().

const MASK = '***';
/** Shorter values would mask ordinary words; secrets that short are not secrets. */
const MIN_SECRET_LENGTH = 4;
const secrets = new Set<string>();

/** Names of variables whose values are secrets. */
export const SECRET_KEY_PATTERN = /(_KEY|_SECRET|_PASSWORD|_TOKEN)$|^DATABASE_URL$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/** Registers a value (and the forms it takes inside JSON and URLs) for masking. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
  for (const form of forms) secrets.add(form);
  // A URL's password is a secret on its own, e.g. postgresql://app:pw@db/app.
  const password = urlPassword(value);
  if (password) registerSecret(decodeURIComponentSafe(password));
}

export function clearSecrets(): void {
  secrets.clear();
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s/]+)@/gi;

function urlPassword(value: string): string | undefined {
  URL_CREDENTIALS.lastIndex = 0;
  return URL_CREDENTIALS.exec(value)?.[2];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so that a secret containing another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  // Credentials in any URL, registered or not.
  return out.replace(URL_CREDENTIALS, `$1${MASK}@`);
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (Slack tokens) are sealed with AES-256-GCM. A sealed value names the key that
 * sealed it (the first bytes of the key's SHA-256, never the key), so after a key rotation the
 * old keys still open what they sealed while only the current key seals anything new.
 *
 * Format: `v1.<key id>.<iv>.<tag>.<ciphertext>`, each part base64url.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class TokenCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenCipherError';
  }
}

/** Reads a key given as base64 (standard or url-safe): exactly 32 bytes, or an explanation. */
export function parseKey(text: string): Buffer | string {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return 'is not base64';
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) return `is ${key.length} bytes once decoded; it must be 32 (openssl rand -base64 32 makes one)`;
  return key;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export class TokenCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly keys: Map<string, Buffer>;

  /** `current` seals and opens; `old` keys only open (what they sealed before a rotation). */
  constructor(current: Buffer, old: readonly Buffer[] = []) {
    if (current.length !== KEY_BYTES) throw new TokenCipherError('the encryption key must be 32 bytes');
    this.current = { id: keyId(current), key: current };
    this.keys = new Map([[this.current.id, current]]);
    for (const key of old) {
      if (key.length !== KEY_BYTES) throw new TokenCipherError('every old encryption key must be 32 bytes');
      if (!this.keys.has(keyId(key))) this.keys.set(keyId(key), key);
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Whether a sealed value was sealed with an old key (it should be sealed again with the current one). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id;
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new TokenCipherError('not a sealed value');
    const [, id, iv, tag, body] = parts as [string, string, string, string, string];
    const key = this.keys.get(id);
    if (!key) {
      throw new TokenCipherError(
        'sealed with a key that is neither TOKEN_ENCRYPTION_KEY nor one of TOKEN_ENCRYPTION_OLD_KEYS; add the key it was sealed with to TOKEN_ENCRYPTION_OLD_KEYS',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenCipherError('a sealed value failed its integrity check (altered, or sealed under another key)');
    }
  }
}

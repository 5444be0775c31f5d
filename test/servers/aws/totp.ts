// RFC 6238 time-based one-time passwords (SHA1, 30-second steps, 6 digits), as virtual MFA devices compute them.
import { createHmac } from 'node:crypto';

const STEP_MS = 30_000;

function base32Decode(input: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = input.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`Not a base32 character: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', key).update(message).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

export function totp(base32Secret: string, atMs: number = Date.now()): string {
  return hotp(base32Decode(base32Secret), Math.floor(atMs / STEP_MS));
}

/** Accepts the current code and its neighbours, the clock drift a real MFA check tolerates. */
export function verifyTotp(base32Secret: string, code: string, atMs: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return [-1, 0, 1].some((step) => totp(base32Secret, atMs + step * STEP_MS) === code);
}

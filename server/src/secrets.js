// Secrets at rest: instance bodies (OAuth secrets, grant codes, signature keys) and provider
// connections are sealed with AES-256-GCM under the operator's key (ELEMENTS_ENCRYPTION_KEY);
// instance tokens are kept only as SHA-256 hashes; API credentials compared in constant time.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PREFIX = "v1:";

/** The 32-byte key from its text (64 hex digits or base64 of 32 bytes), or an error naming the variable. */
export function parseKey(text) {
  const t = String(text).trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (bytes.length !== 32)
    throw new Error("ELEMENTS_ENCRYPTION_KEY must be 32 bytes: 64 hex digits or base64 (openssl rand -base64 32)");
  return bytes;
}

/** The embedded default's key: read from the data directory, generated there (0600) on first start. */
export function dataDirKey(dataDir, log) {
  const file = join(dataDir, "encryption.key");
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    log({ msg: `generated an encryption key in ${file}: keep it with the data, or set ELEMENTS_ENCRYPTION_KEY` });
  }
  return parseKey(readFileSync(file, "utf8"));
}

export function sealSecret(text, key) {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ct = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64");
}

export function openSecret(sealed, key) {
  if (!sealed.startsWith(PREFIX)) throw new Error("a stored secret is not in the sealed format");
  const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    throw new Error("a stored secret does not open with this ELEMENTS_ENCRYPTION_KEY (another key?)");
  }
}

export const hashToken = (token) => createHash("sha256").update(token).digest("hex");

/** Constant-time equality of two strings of any lengths (their digests are compared). */
export function sameSecret(a, b) {
  const da = createHash("sha256").update(String(a)).digest();
  const db = createHash("sha256").update(String(b)).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

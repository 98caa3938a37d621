/**
 * Scrubs secret values out of text a tool printed (kubectl echoes object fragments in some errors)
 * before it reaches a terminal or a CI log.
 */

export const REDACTED = "[REDACTED]";

/** Values this short are words like `true` or a region; replacing them would only garble messages. */
const MIN_LENGTH = 6;

function forms(value: string): string[] {
  const out = [value, Buffer.from(value).toString("base64"), encodeURIComponent(value)];
  // A connection string's password also shows up on its own, decoded or not.
  try {
    const u = new URL(value);
    if (u.password) out.push(u.password, decodeURIComponent(u.password));
  } catch {
    // not a URL
  }
  return out;
}

export function redact(text: string, secrets: readonly string[]): string {
  const needles = [...new Set(secrets.flatMap(forms))].filter((s) => s.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
  let out = text;
  for (const n of needles) out = out.split(n).join(REDACTED);
  return out;
}

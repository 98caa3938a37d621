/** Entry: whether the running Node.js is older than the oldest one the function supports. */
export function olderThan(version: string, minimum: string): boolean {
  const have = version.split(".").map(Number);
  const need = minimum.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    const n = need[i] ?? 0;
    if (h !== n) return h < n;
  }
  return false;
}

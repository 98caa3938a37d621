/** The `.dockerconfigjson` of the image pull secret, built here so the token never goes through argv. */

export const REGISTRY = "ghcr.io";

/** Why a GHCR username or token cannot be used, or undefined. */
export function credentialProblem(username: string, token: string): string | undefined {
  if (!username) return "GHCR_USERNAME is empty";
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(username)) return "GHCR_USERNAME is not a GitHub user name";
  if (!token) return "GHCR_TOKEN is empty";
  if (/\s/.test(token)) return "GHCR_TOKEN contains whitespace (a copy-paste artefact?)";
  return undefined;
}

export function dockerConfigJson(username: string, token: string, registry = REGISTRY): string {
  const auth = Buffer.from(`${username}:${token}`).toString("base64");
  return JSON.stringify({ auths: { [registry]: { username, password: token, auth } } });
}

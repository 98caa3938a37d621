import { randomBytes } from "node:crypto";

/** Looks like a real credential to the scanner; made at run time so no file holds one. */
const alnum = (n: number) => randomBytes(n * 2).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, n);
export const fakeGithubToken = () => `ghp_${alnum(36)}`;
export const fakeStripeKey = () => `sk_live_${alnum(24)}`;

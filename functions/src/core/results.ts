/**
 * Core: findings shaped as KRM results with their stable codes, and the one line printed for each.
 */
import type { Code } from "./codes.ts";

export type Severity = "error" | "warning" | "info";

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** One finding, shaped like a KRM functions spec `results` entry. */
export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string };
  file?: { path: string; index?: number };
  /** `code`: the stable code of docs/errors.md. */
  tags: { code: Code };
}

export interface Where {
  ref?: ResourceRef;
  field?: string;
  file?: string;
}

export function error(code: Code, message: string, where: Where = {}): Result {
  return result("error", code, message, where);
}

export function warning(code: Code, message: string, where: Where = {}): Result {
  return result("warning", code, message, where);
}

function result(severity: Severity, code: Code, message: string, where: Where): Result {
  const out: Result = { message, severity, tags: { code } };
  if (where.ref) out.resourceRef = where.ref;
  if (where.field) out.field = { path: where.field };
  if (where.file) out.file = { path: where.file };
  return out;
}

export const hasErrors = (results: readonly Result[]): boolean =>
  results.some((r) => r.severity === "error");

/** The one-line form printed on stderr: severity, code, file, object, field, then the message. */
export function formatResult(r: Result): string {
  const parts: string[] = [];
  if (r.file) parts.push(r.file.path);
  if (r.resourceRef) {
    const ns = r.resourceRef.namespace ? `${r.resourceRef.namespace}/` : "";
    parts.push(`${r.resourceRef.kind} ${ns}${r.resourceRef.name}`);
  }
  if (r.field) parts.push(r.field.path);
  const where = parts.length ? `${parts.join(": ")}: ` : "";
  return `[${r.severity}] ${r.tags.code}: ${where}${r.message}`;
}

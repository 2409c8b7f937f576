/**
 * Validation against Venice's own OpenAPI 3.0 spec (../shared/venice/openapi.yaml),
 * read where it lies and never copied into the project. Ajv validates; this file only
 * turns OpenAPI 3.0's dialect into the JSON Schema Ajv speaks.
 */

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

export const SPEC_PATH = resolve(import.meta.dirname, '../../../shared/venice/openapi.yaml');
export const specAvailable = existsSync(SPEC_PATH);

type Schema = Record<string, unknown>;
interface Spec {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: Schema }> };
        responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

let spec: Spec | undefined;
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const cache = new Map<string, ValidateFunction>();

function load(): Spec {
  spec ??= parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
  return spec;
}

/**
 * OpenAPI 3.0 → JSON Schema: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`,
 * and local `$ref`s inlined. The spec writes "or null" as `{ nullable: true, title: "null" }`
 * with no type; read literally that accepts anything, so it becomes `{ type: "null" }`.
 */
export function toJsonSchema(node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, seen));
  if (!node || typeof node !== 'object') return node;
  const schema = node as Schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.includes(name)) return {};
    return toJsonSchema(load().components.schemas[name], [...seen, name]);
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'example' || key === 'examples') continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toJsonSchema(v, seen)]))
        : toJsonSchema(value, seen);
  }
  if (out.nullable === true) {
    if (out.type === undefined) return { type: 'null' };
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  delete out.nullable;
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  return out;
}

function compile(id: string, schema: Schema | undefined): ValidateFunction {
  if (!schema) throw new Error(`the spec has no schema for ${id}`);
  let validate = cache.get(id);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema) as Schema);
    cache.set(id, validate);
  }
  return validate;
}

function operation(path: string, method: string) {
  const op = load().paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`the spec has no operation ${method} ${path}`);
  return op;
}

export interface Verdict {
  ok: boolean;
  errors: string;
  /** Whether the spec declares this status for the operation (undeclared errors are checked as StandardError). */
  declared: boolean;
}

function verdict(validate: ValidateFunction, body: unknown, declared: boolean): Verdict {
  const ok = validate(body) as boolean;
  return { ok, declared, errors: ok ? '' : ajv.errorsText(validate.errors, { separator: '\n' }) };
}

export function checkRequest(path: string, method: string, body: unknown): Verdict {
  const schema = operation(path, method).requestBody?.content['application/json']?.schema;
  return verdict(compile(`request ${method} ${path}`, schema), body, true);
}

export function checkResponse(path: string, method: string, status: number, body: unknown): Verdict {
  const response = operation(path, method).responses[String(status)];
  if (!response) {
    return verdict(compile('StandardError', load().components.schemas.StandardError), body, false);
  }
  const schema = response.content?.['application/json']?.schema;
  return verdict(compile(`response ${method} ${path} ${status}`, schema), body, true);
}

// What every STS and IAM action handler receives, and parameter helpers shared by both services.
import { constraintError } from './errors';
import type { Caller, Identities } from './identities';
import type { World } from './world';

export interface ActionContext {
  caller: Caller;
  params: URLSearchParams;
  identities: Identities;
  world: World;
}

/** Returns the XML inside <ActionResult>, or undefined for actions whose response has no result element. */
export type ActionHandler = (context: ActionContext) => string | undefined;

/** camelCase member name AWS uses in validation messages: RoleSessionName → roleSessionName. */
const memberName = (param: string): string => param[0].toLowerCase() + param.slice(1);

export function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null) throw constraintError(undefined, memberName(name), 'Member must not be null');
  return value;
}

export function nameParam(params: URLSearchParams, name: string, min: number, max: number, pattern = /^[\w+=,.@-]*$/): string {
  const value = requiredParam(params, name);
  const member = memberName(name);
  if (value.length < min) throw constraintError(value, member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraintError(value, member, `Member must have length less than or equal to ${max}`);
  if (!pattern.test(value)) {
    throw constraintError(value, member, `Member must satisfy regular expression pattern: ${pattern.source.replace(/^\^|\$$/g, '')}`);
  }
  return value;
}

export function integerParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  const member = memberName(name);
  if (!Number.isInteger(value)) throw constraintError(raw, member, 'Member must be an integer');
  if (value < min) throw constraintError(raw, member, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintError(raw, member, `Member must have value less than or equal to ${max}`);
  return value;
}

/** Query-protocol lists: Tags.member.1.Key=…&Tags.member.1.Value=… → [{Key, Value}] */
export function listParam(params: URLSearchParams, name: string): Record<string, string>[] {
  const items: Record<string, string>[] = [];
  for (let i = 1; ; i++) {
    const prefix = `${name}.member.${i}.`;
    const entries = [...params.entries()].filter(([key]) => key.startsWith(prefix));
    if (entries.length === 0) return items;
    items.push(Object.fromEntries(entries.map(([key, value]) => [key.slice(prefix.length), value])));
  }
}

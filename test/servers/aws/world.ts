// The local AWS world: the JSON file's shape plus lookups shared by the server, the Vault server and the demo.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[]; Federated?: string | string[] };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface WorldAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface WorldMfaDevice {
  serialNumber: string;
  totpSecret: string;
}

export interface WorldUser {
  name: string;
  path?: string;
  /** May call the IAM write actions a Vault AWS secrets engine needs (CreateUser, CreateAccessKey, …). */
  iamAdmin?: boolean;
  accessKeys?: WorldAccessKey[];
  mfaDevices?: WorldMfaDevice[];
  /** Names of groups in the same account. */
  groups?: string[];
  inlinePolicies?: Record<string, PolicyDocument>;
  managedPolicyArns?: string[];
}

export interface WorldGroup {
  name: string;
  path?: string;
  inlinePolicies?: Record<string, PolicyDocument>;
  managedPolicyArns?: string[];
}

/** A managed policy; `document` is its default (newest) version, `previousVersions` the older ones, oldest first. */
export interface WorldManagedPolicy {
  name: string;
  path?: string;
  description?: string;
  document: PolicyDocument;
  previousVersions?: PolicyDocument[];
}

export interface WorldRole {
  name: string;
  path?: string;
  description?: string;
  maxSessionDuration?: number;
  policyArns?: string[];
  trustPolicy: PolicyDocument;
}

export interface WorldAccount {
  id: string;
  alias: string;
  /** The account's name in the organization (Organizations ListAccounts). */
  name?: string;
  users: WorldUser[];
  roles: WorldRole[];
  groups?: WorldGroup[];
  /** Customer managed policies: arn:aws:iam::<id>:policy<path><name>. */
  policies?: WorldManagedPolicy[];
  /** false: a standalone account, outside the organization the others form (the first of them manages it). */
  inOrganization?: boolean;
  /** A member account the organization made a delegated administrator: it may list the organization's accounts. */
  delegatedAdministrator?: boolean;
  /** Amazon EKS clusters, each in one region (EKS ListClusters and DescribeCluster). */
  eksClusters?: Array<{ name: string; region: string; version?: string }>;
}

export interface World {
  accounts: WorldAccount[];
  /** The AWS managed policies the world uses: arn:aws:iam::aws:policy<path><name>. */
  awsManagedPolicies?: WorldManagedPolicy[];
  /** Organizations ListAccounts answers its first page empty, with a NextToken (AWS may; clients must follow it). */
  organizationEmptyFirstPage?: boolean;
}

/** Every entity in the world pretends to have been created at this instant. */
export const WORLD_CREATE_DATE = new Date('2024-01-15T09:00:00Z');

export function loadWorld(path: string): World {
  const world = JSON.parse(readFileSync(path, 'utf8')) as World;
  if (!Array.isArray(world.accounts)) throw new Error(`World file has no accounts: ${path}`);
  return world;
}

export function findAccount(world: World, idOrAlias: string): WorldAccount | undefined {
  return world.accounts.find((a) => a.id === idOrAlias || a.alias === idOrAlias);
}

export function userArn(accountId: string, name: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:user${path}${name}`;
}

export function roleArn(accountId: string, name: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

/** Role ARNs name the path, but AWS also accepts (and the CLI users often type) the ARN without it. */
export function findRoleByArn(world: World, arn: string): { account: WorldAccount; role: WorldRole } | undefined {
  const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  if (!match) return undefined;
  const account = findAccount(world, match[1]);
  const role = account?.roles.find((r) => r.name === match[2]);
  return account && role ? { account, role } : undefined;
}

export function findUser(world: World, accountId: string, name: string): WorldUser | undefined {
  return findAccount(world, accountId)?.users.find((u) => u.name === name);
}

export function policyArn(owner: string, policy: WorldManagedPolicy): string {
  return `arn:aws:iam::${owner}:policy${policy.path ?? '/'}${policy.name}`;
}

/** A managed policy by ARN: AWS's own, or a customer managed one of any account in the world. */
export function findManagedPolicy(world: World, arn: string): WorldManagedPolicy | undefined {
  const owner = /^arn:aws:iam::(aws|\d{12}):policy\//.exec(arn)?.[1];
  if (!owner) return undefined;
  const policies = owner === 'aws' ? world.awsManagedPolicies : findAccount(world, owner)?.policies;
  return policies?.find((p) => policyArn(owner, p) === arn);
}

export function findGroup(world: World, accountId: string, name: string): WorldGroup | undefined {
  return findAccount(world, accountId)?.groups?.find((g) => g.name === name);
}

/** Stable AWS-style unique id (AIDA… for users, AROA… for roles) derived from the ARN. */
export function uniqueId(prefix: 'AIDA' | 'AROA' | 'AGPA' | 'ANPA', arn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(arn).digest();
  let id = prefix;
  for (let i = 0; i < 17; i++) id += alphabet[digest[i] % 32];
  return id;
}

// "Copy Credentials As…": an identity's credentials as text another shell or tool reads, each value quoted by
// that shell's own rules so that no character in it is expanded or ends the string early.
import type { Identity } from '../session';
import { environmentFor, ROLE_VARIABLE } from '../endpoint/terminalEnv';
import { UserError } from '../userError';

type CredentialFormat = 'bash' | 'fish' | 'powershell' | 'cmd' | 'dotenv' | 'process';

export const CREDENTIAL_FORMATS: { format: CredentialFormat; label: string }[] = [
  { format: 'bash', label: 'bash / zsh (export)' },
  { format: 'fish', label: 'fish (set -gx)' },
  { format: 'powershell', label: 'PowerShell ($Env:)' },
  { format: 'cmd', label: 'Command Prompt (set)' },
  { format: 'dotenv', label: '.env lines' },
  { format: 'process', label: 'JSON for credential_process' },
];

/** POSIX single quotes: nothing inside is special; a quote is closed, escaped and reopened. */
const posixQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** fish single quotes: only \\ and \' are escapes inside them. */
const fishQuote = (value: string): string => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** PowerShell single quotes: a quote is doubled, and PowerShell also takes the typographic single quotes as quotes. */
const powershellQuote = (value: string): string => `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;

/** cmd has no escape for % (nor for ! under delayed expansion) inside quotes, nor any for a quote itself. */
function cmdValue(name: string, value: string): string {
  if (/["%!\r\n]/.test(value)) {
    throw new UserError(
      `${name} holds a character the Command Prompt cannot take literally: copy them in another format.`,
      'UnquotableValue',
    );
  }
  return value;
}

/** Bare when plainly safe (what AWS issues); else single quotes, which dotenv parsers take literally. */
function dotenvValue(name: string, value: string): string {
  if (/^[\w+/=.:@-]*$/.test(value)) {
    return value;
  }
  if (/['\r\n]/.test(value)) {
    throw new UserError(`${name} holds a character .env files cannot hold portably: copy them in another format.`, 'UnquotableValue');
  }
  return `'${value}'`;
}

/** The variables to copy: the terminal environment's, without our own role-name variable. */
function variables(identity: Identity): [string, string][] {
  return Object.entries(environmentFor(identity)).filter(([name]) => name !== ROLE_VARIABLE);
}

/** credential_process output, Version 1 (SessionToken and Expiration only when the credentials have them). */
function processJson(identity: Identity): string {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = identity.credentials;
  return JSON.stringify(
    {
      Version: 1,
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      ...(sessionToken && { SessionToken: sessionToken }),
      ...(expiration && { Expiration: expiration.toISOString() }),
    },
    undefined,
    2,
  );
}

export function formatCredentials(identity: Identity, format: CredentialFormat): string {
  const lines = (line: (name: string, value: string) => string) =>
    variables(identity)
      .map(([name, value]) => line(name, value))
      .join('\n') + '\n';
  switch (format) {
    case 'bash':
      return lines((name, value) => `export ${name}=${posixQuote(value)}`);
    case 'fish':
      return lines((name, value) => `set -gx ${name} ${fishQuote(value)}`);
    case 'powershell':
      return lines((name, value) => `$Env:${name} = ${powershellQuote(value)}`);
    case 'cmd':
      // The quotes around the whole assignment keep & | < > ^ literal and leave no trailing space in the value.
      return lines((name, value) => `set "${name}=${cmdValue(name, value)}"`);
    case 'dotenv':
      return lines((name, value) => `${name}=${dotenvValue(name, value)}`);
    case 'process':
      return processJson(identity) + '\n';
  }
}

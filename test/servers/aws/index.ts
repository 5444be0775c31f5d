// The protocol-faithful local AWS STS/IAM server for tests and the demo. See server.ts for the endpoints.
import { resolve } from 'node:path';
import { type AwsServer, createAwsServer } from './server';

export type { AwsServer } from './server';
export type { FailureMode } from './failure';
export { totp } from './totp';
export * from './world';

/** test/servers/world.json, found from the compiled file at out/test/servers/aws/. */
export const DEMO_WORLD_PATH: string = resolve(__dirname, '../../../../test/servers/world.json');

export function startAwsServer(options: { worldPath?: string; port?: number; keyPropagationMs?: number } = {}): Promise<AwsServer> {
  return createAwsServer({ worldPath: options.worldPath ?? DEMO_WORLD_PATH, port: options.port, keyPropagationMs: options.keyPropagationMs });
}

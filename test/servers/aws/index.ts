// The protocol-faithful local AWS STS/IAM server for tests and the demo.
// One URL serves: POST / (AWS Query protocol; STS or IAM chosen by the SigV4 credential scope), GET /federation
// (console sign-in: getSigninToken → {"SigninToken"}, 400 text/plain on refusal; login → HTML "Signed in to the
// AWS console as <arn>"), and unsigned test controls for other processes: POST /__test/failure {mode,…,count?}
// ({} clears), POST /__test/clock {advanceMs}, GET /__test/issued → every key, secret and token it issued,
// GET /__test/requests → {requests, actions: {AssumeRole: n, …}, connections} (round trips and TCP connections).
import { resolve } from 'node:path';
import { type AwsServer, createAwsServer } from './server';

export type { AwsServer, ServerStats } from './server';
export type { FailureMode } from './failure';
export { totp } from './totp';
export * from './world';

/** test/servers/world.json, found from the compiled file at out/test/servers/aws/. */
export const DEMO_WORLD_PATH: string = resolve(__dirname, '../../../../test/servers/world.json');

export function startAwsServer(
  options: { worldPath?: string; port?: number; keyPropagationMs?: number; tls?: { key: string; cert: string } } = {},
): Promise<AwsServer> {
  return createAwsServer({ ...options, worldPath: options.worldPath ?? DEMO_WORLD_PATH });
}

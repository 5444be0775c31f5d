// The demo's current MFA code for a user of test/servers/world.json (bob by default), from any folder:
// `node <repository>/out/test/tools/mfaCode.js [user]`. `npm run demo` prints this line with its full path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { totp } from '../servers/aws/totp';

interface World {
  accounts: Array<{ users?: Array<{ name: string; mfaDevices?: Array<{ totpSecret: string }> }> }>;
}

const user = process.argv[2] ?? 'bob';
const world = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'servers', 'world.json'), 'utf8')) as World;
const secret = world.accounts.flatMap((a) => a.users ?? []).find((u) => u.name === user)?.mfaDevices?.[0]?.totpSecret;
if (!secret) {
  console.error(`mfaCode: ${user} has no MFA device in test/servers/world.json`);
  process.exit(1);
}
console.log(totp(secret));

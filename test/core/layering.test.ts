// The layers are a lint rule (eslint.config.mjs): these imports, written where they do not belong, are refused,
// and the same import in its right place is not.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering rule', () => {
  it('refuses vscode in src/core, at the root and in a domain folder', async () => {
    for (const file of ['src/core/session.ts', 'src/core/sts/clients.ts']) {
      const messages = await restrictedImports(file, "import * as vscode from 'vscode';\nexport const v = vscode;\n");
      assert.equal(messages.length, 1, file);
      assert.match(messages[0], /vscode API stays at the edge/);
    }
  });

  it('refuses an import from the core into the edge', async () => {
    assert.equal((await restrictedImports('src/core/session.ts', "export { showError } from '../errors';\n")).length, 1);
    assert.equal(
      (await restrictedImports('src/core/vault/client.ts', "export { RoleSession } from '../../store/roleSession';\n")).length,
      1,
    );
    // Within the core, across domains, is fine.
    assert.deepEqual(await restrictedImports('src/core/vault/client.ts', "export { UserError } from '../userError';\n"), []);
  });

  it('refuses commands and views in store/', async () => {
    assert.equal((await restrictedImports('src/store/roleSession.ts', "export { registerRoles } from '../commands/roles';\n")).length, 1);
    assert.deepEqual(await restrictedImports('src/commands/roles.ts', "export { RoleSession } from '../store/roleSession';\n"), []);
  });

  it('lets a lazily loaded bundle import packages and plain values only', async () => {
    assert.equal((await restrictedImports('src/core/sts/stsSdk.ts', "export { UserError } from '../userError';\n")).length, 1);
    assert.deepEqual(await restrictedImports('src/core/sts/stsSdk.ts', "export { capResponse } from './transport';\n"), []);
  });
});

// Saying when VS Code's keychain is weak, from what an extension can observe: a browser workbench, argv.json's
// password-store, and on Linux the D-Bus session and the desktop that Chromium picks a keyring by.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { keychainWarning, readPasswordStore } from '../../../src/core/keys/keychainStrength';

const GNOME = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus', XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' };

describe('a weak keychain', () => {
  it('is said for a browser workbench (code-server), whatever the platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      assert.equal(keychainWarning({ platform, web: true, env: GNOME })?.level, 'weak');
    }
  });

  it('is said on Linux for password-store "basic" even with a keyring desktop', () => {
    const warning = keychainWarning({ platform: 'linux', web: false, env: GNOME, passwordStore: 'basic' });
    assert.equal(warning?.level, 'weak');
    assert.match(warning!.message, /"password-store": "basic"/);
  });

  it('is said on Linux without a D-Bus session, and may be so on a desktop VS Code finds no keyring for', () => {
    assert.equal(keychainWarning({ platform: 'linux', web: false, env: { XDG_CURRENT_DESKTOP: 'GNOME' } })?.level, 'weak');
    const sway = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus', XDG_CURRENT_DESKTOP: 'sway' };
    assert.equal(keychainWarning({ platform: 'linux', web: false, env: sway })?.level, 'unsure');
    assert.equal(keychainWarning({ platform: 'linux', web: false, env: sway, passwordStore: 'gnome-libsecret' }), undefined);
  });

  it("is not guessed from a remote machine's environment in a desktop window (Remote-SSH): the keychain is the desktop's", () => {
    assert.equal(keychainWarning({ platform: 'linux', web: false, remote: true, env: {} }), undefined);
    assert.equal(keychainWarning({ platform: 'linux', web: true, remote: true, env: {} })?.level, 'weak');
  });

  it('is not said for a keyring desktop, macOS or Windows', () => {
    assert.equal(keychainWarning({ platform: 'linux', web: false, env: GNOME }), undefined);
    assert.equal(keychainWarning({ platform: 'linux', web: false, env: { ...GNOME, XDG_CURRENT_DESKTOP: 'KDE' } }), undefined);
    assert.equal(keychainWarning({ platform: 'darwin', web: false, env: {} }), undefined);
    assert.equal(keychainWarning({ platform: 'win32', web: false, env: {} }), undefined);
  });

  it("reads password-store from argv.json in the product's data folder, or in VSCODE_PORTABLE", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-argv-'));
    const appRoot = path.join(home, 'app');
    fs.mkdirSync(appRoot);
    fs.writeFileSync(path.join(appRoot, 'product.json'), JSON.stringify({ dataFolderName: '.vscode-oss' }));
    assert.equal(await readPasswordStore(appRoot, {}, home), undefined, 'no argv.json sets nothing');
    fs.mkdirSync(path.join(home, '.vscode-oss'));
    fs.writeFileSync(
      path.join(home, '.vscode-oss/argv.json'),
      '// comments are allowed\n{\n  "enable-crash-reporter": false,\n  "password-store": "basic",\n}\n',
    );
    assert.equal(await readPasswordStore(appRoot, {}, home), 'basic');
    const portable = path.join(home, 'portable');
    fs.mkdirSync(portable);
    fs.writeFileSync(path.join(portable, 'argv.json'), '{ /* "password-store": "basic" */ "password-store": "gnome-libsecret" }');
    assert.equal(await readPasswordStore(appRoot, { VSCODE_PORTABLE: portable }, home), 'gnome-libsecret');
    fs.writeFileSync(path.join(portable, 'argv.json'), '{\n  // "password-store": "basic"\n}');
    assert.equal(await readPasswordStore(appRoot, { VSCODE_PORTABLE: portable }, home), undefined, 'a commented-out line sets nothing');
  });
});

// Which sign-in a window gets: the browser (authorization code + PKCE) only where the browser reaches this
// machine's loopback listener, the device code in a remote or browser-only window, and always what the person set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseSignInFlow, parseSignInSetting } from '../../../src/core/identityCenter';

describe('sign-in flow', () => {
  const desktop = { remoteName: undefined, webUi: false };
  it('uses the browser in a local desktop window', () => {
    assert.equal(chooseSignInFlow('auto', desktop), 'browser');
  });

  it('uses the device code in a remote window and in a browser-only VS Code (code-server)', () => {
    assert.equal(chooseSignInFlow('auto', { remoteName: 'ssh-remote', webUi: false }), 'deviceCode');
    assert.equal(chooseSignInFlow('auto', { remoteName: undefined, webUi: true }), 'deviceCode');
  });

  it('does what the person set, wherever the window runs', () => {
    assert.equal(chooseSignInFlow('deviceCode', desktop), 'deviceCode');
    assert.equal(chooseSignInFlow('browser', { remoteName: undefined, webUi: true }), 'browser');
  });

  it('reads an unknown setting value as auto', () => {
    assert.equal(parseSignInSetting('browser'), 'browser');
    assert.equal(parseSignInSetting('deviceCode'), 'deviceCode');
    assert.equal(parseSignInSetting('pkce'), 'auto');
    assert.equal(parseSignInSetting(undefined), 'auto');
  });
});

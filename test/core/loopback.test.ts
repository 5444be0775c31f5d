import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, isOnThisMachine } from '../../src/core/loopback';

test('loopback is 127.0.0.0/8, ::1 and localhost, as URL parsing writes them; nothing that only looks like it', () => {
  const host = (url: string) => new URL(url).hostname;
  for (const url of [
    'http://127.0.0.1:8200',
    'http://127.45.3.2',
    'http://127.1',
    'http://LOCALHOST:80',
    'http://[::1]:8250',
    'http://[0:0:0:0:0:0:0:1]',
  ]) {
    assert.equal(isLoopback(host(url)), true, url);
  }
  for (const url of [
    'http://128.0.0.1',
    'http://10.0.0.5',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
    'http://[::2]',
  ]) {
    assert.equal(isLoopback(host(url)), false, url);
  }
});

test('a URL on this machine: a loopback host (any of 127.0.0.0/8) or 0.0.0.0, whatever its port, path or case', () => {
  for (const url of [
    'http://127.0.0.1:8250/oidc/callback?state=x',
    'http://127.0.0.2:8200',
    'http://LocalHost:8250',
    'http://[::1]:8250/',
    'http://0.0.0.0:8250',
  ]) {
    assert.equal(isOnThisMachine(url), true, url);
  }
  for (const url of ['https://vault.example.com:8200', 'http://127.0.0.1.example.com', 'http://user@10.0.0.5', 'not a url']) {
    assert.equal(isOnThisMachine(url), false, url);
  }
});

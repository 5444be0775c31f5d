import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback } from '../../src/core/loopback';

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

// A feature loaded on first use whose activation throws: its commands must not vanish until a reload. The stand-ins
// come back for the commands it did not register, and each call says in one sentence what to do.
import './fakeVscode';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as vscode from 'vscode';
import { lazyFeature } from '../../../src/features/lazy';
import { fake, fakeLog } from './fakeVscode';

const SENTENCE = 'This IAM Switchboard feature failed to start, so its commands cannot run: reload the window (details are in the log).';

describe('a lazily loaded feature whose activation throws', () => {
  const commands = vscode.commands as unknown as Record<string, unknown>;
  const register = commands.registerCommand;
  before(() => {
    // As VS Code does: a command registered twice throws, a disposed one is gone.
    commands.registerCommand = (id: string, handler: (...args: unknown[]) => unknown) => {
      if (fake.commands.has(id)) throw new Error(`command '${id}' already exists`);
      fake.commands.set(id, handler);
      return { dispose: () => fake.commands.get(id) === handler && fake.commands.delete(id) };
    };
  });
  after(() => (commands.registerCommand = register));

  it('keeps its commands, which say to reload the window', async () => {
    const real = () => 'real';
    lazyFeature(
      { subscriptions: [] } as never,
      fakeLog('lazy') as never,
      ['test.first', 'test.second'],
      async () => ({}),
      () => {
        vscode.commands.registerCommand('test.first', real);
        throw new Error('the feature broke');
      },
    );
    const said = fake.said.length;
    assert.equal(await fake.commands.get('test.second')!(), undefined);
    // The command the activation registered stays its own; the other is a stand-in again, every time.
    assert.equal(fake.commands.get('test.first'), real);
    assert.equal(await fake.commands.get('test.second')?.(), undefined);
    const shown = fake.said.slice(said).filter((line) => !line.startsWith('lazy '));
    assert.deepEqual(shown, [SENTENCE, SENTENCE]);
    assert.ok(fake.said.slice(said).some((line) => line.startsWith('lazy error') && line.includes('the feature broke')));
  });
});

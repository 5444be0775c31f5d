// Linux's socket table as the credential helper (who listens on the old port) and the agent check (whose process
// is this connection) read it: a real listening socket and a real connection, found by port, owner and inode.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { test } from 'node:test';
import { PROC_NET_TCP_FILES, tcpSockets } from '../../../src/core/endpoint/procNetTcp';

const sockets = () => PROC_NET_TCP_FILES.flatMap((file) => tcpSockets(fs.readFileSync(file, 'utf8')));

test(
  'a listening socket and both ends of a connection on 127.0.0.1, with their owner and inode',
  { skip: process.platform !== 'linux' && 'Linux only' },
  async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const serverPort = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(serverPort, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    try {
      const listener = sockets().filter((s) => s.listening && s.localPort === serverPort);
      assert.deepEqual(
        listener.map((s) => s.uid),
        [process.getuid!()],
      );
      const clientEnd = sockets().find((s) => s.localPort === client.localPort && s.remotePort === serverPort);
      assert.ok(clientEnd, 'the client end of the connection is in the table');
      assert.equal(clientEnd.listening, false);
      assert.match(clientEnd.inode, /^[1-9]\d*$/);
    } finally {
      client.destroy();
      (await accepted).destroy();
      server.close();
    }
  },
);

test('a header alone or a short line is no socket', () => {
  assert.deepEqual(
    tcpSockets('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90\n'),
    [],
  );
});

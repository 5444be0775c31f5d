// Node's HTTP parser rejects unknown methods with a 400, but Vault clients (node-vault included) send the
// LIST verb. This TCP front rewrites each `LIST /v1/x` request line to `GET /v1/x?list=true`, which Vault
// treats the same, and passes everything else through to the HTTP server unchanged.
import * as net from 'node:net';

export interface ListVerbFront {
  port: number;
  close(): Promise<void>;
}

export async function startListVerbFront(backendPort: number, port: number): Promise<ListVerbFront> {
  const sockets = new Set<net.Socket>();
  const front = net.createServer((client) => {
    const backend = net.connect(backendPort, '127.0.0.1');
    sockets.add(client).add(backend);
    const rewriter = new RequestRewriter();
    client.on('data', (chunk: Buffer) => {
      const out = rewriter.push(chunk);
      if (out.length) backend.write(out);
    });
    client.on('end', () => backend.end());
    backend.on('data', (chunk: Buffer) => client.write(chunk));
    backend.on('end', () => client.end());
    // A backend that drops the connection (the "reset" failure mode) drops the client's too.
    backend.on('close', () => client.destroy());
    client.on('close', () => backend.destroy());
    client.on('error', () => backend.destroy());
    backend.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    backend.on('close', () => sockets.delete(backend));
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (front.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        sockets.forEach((s) => s.destroy());
      }),
  };
}

/** Frames HTTP/1.1 requests by Content-Length so only request lines are rewritten, never bodies. */
class RequestRewriter {
  private pending = Buffer.alloc(0);
  private bodyLeft = 0;
  private passthrough = false;

  push(chunk: Buffer): Buffer {
    if (this.passthrough) return chunk;
    this.pending = Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, this.pending.length);
        out.push(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.bodyLeft -= take;
        if (this.bodyLeft > 0) break;
      }
      const end = this.pending.indexOf('\r\n\r\n');
      if (end === -1) break;
      const head = this.pending.subarray(0, end + 4).toString('latin1');
      this.pending = this.pending.subarray(end + 4);
      out.push(Buffer.from(rewriteHead(head), 'latin1'));
      if (/^transfer-encoding:\s*chunked/im.test(head)) {
        // Chunked uploads are not framed here; hand the rest of the connection over untouched.
        this.passthrough = true;
        out.push(this.pending);
        this.pending = Buffer.alloc(0);
        break;
      }
      this.bodyLeft = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
    }
    return Buffer.concat(out);
  }
}

function rewriteHead(head: string): string {
  const match = /^LIST (\S+) (HTTP\/1\.[01])\r\n/.exec(head);
  if (!match) return head;
  const [line, target, version] = match;
  const separator = target.includes('?') ? '&' : '?';
  return `GET ${target}${separator}list=true ${version}\r\n${head.slice(line.length)}`;
}

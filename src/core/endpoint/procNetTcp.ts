// Linux's table of TCP sockets (/proc/net/tcp and tcp6, readable by everyone), parsed. Plain code that imports
// nothing: the credential helper (a bundle of its own, Node built-ins only) and the endpoint's look at an agent's
// process (core/agents/peerProcess.ts) both read it.

/** The files, IPv4 then IPv6. */
export const PROC_NET_TCP_FILES = ['/proc/net/tcp', '/proc/net/tcp6'];

/** One socket: its local and remote ports, whether it listens, its owner's user id and its inode. */
export interface TcpSocket {
  localPort: number;
  remotePort: number;
  listening: boolean;
  uid: number;
  inode: string;
}

/** The sockets in one file's text (its first line is the header). */
export function tcpSockets(text: string): TcpSocket[] {
  return text
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) return [];
      // An address is hex IP:port; state 0A is LISTEN.
      return [
        {
          localPort: port(fields[1]),
          remotePort: port(fields[2]),
          listening: fields[3] === '0A',
          uid: Number(fields[7]),
          inode: fields[9],
        },
      ];
    });
}

const port = (address: string): number => parseInt(address.split(':').pop() ?? '', 16);

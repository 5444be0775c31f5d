// Whether an address stays on this machine. Shared by the Vault client (plain http:// is fine on loopback) and the
// console command (a loopback sign-in endpoint in a remote window may not be reachable from the browser), and the
// browser's view of a loopback URL (commands/browserUrl.ts).

/**
 * True for a URL's hostname on the loopback interface: the whole of 127.0.0.0/8, IPv6 ::1 and `localhost`.
 * WHATWG URL parsing already lowercases names and writes 127.1 and [0:0:0:0:0:0:0:1] as 127.0.0.1 and [::1].
 */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * True for a URL whose server is on this machine: a loopback host, or 0.0.0.0 (a server that listens on every
 * interface, which a browser on the same machine reaches). False for anything that does not parse as a URL.
 */
export function isOnThisMachine(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return isLoopback(hostname) || hostname === '0.0.0.0';
}

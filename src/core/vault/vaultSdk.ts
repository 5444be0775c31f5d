// node-vault, loaded with `await import('./vaultSdk')` on first use and bundled on its own (dist/vaultSdk.js),
// so neither activation nor the role switcher parses it and its dependencies (axios, mustache, tv4, mime-db).
import nodeVault = require('node-vault');
export { nodeVault };

// THIRD_PARTY_NOTICES.md for the .vsix, made from what the bundles actually contain (esbuild's metafiles): every
// npm package with code in dist/, its version, its license and its license text. A package that is only a
// development tool, or whose code the build left out, is not listed.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package folder of a bundled input such as `node_modules/@smithy/core/dist-es/index.js`. */
function packageDir(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

function licenseName(manifest) {
  if (typeof manifest.license === 'string') return manifest.license;
  // Older packages list several (tv4: Public Domain or MIT), under `license` or `licenses`.
  const listed = manifest.license ?? manifest.licenses;
  const list = Array.isArray(listed) ? listed.map((l) => l.type ?? l).join(' OR ') : '';
  return list || 'unstated';
}

function licenseText(dir) {
  const file = fs.readdirSync(dir).find((name) => /^(licen[cs]e|copying|notice)(\.(md|txt))?$/i.test(name));
  return file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : undefined;
}

export function writeThirdPartyNotices(metafiles, outFile) {
  const dirs = new Set();
  for (const metafile of metafiles) {
    for (const output of Object.values(metafile.outputs)) {
      for (const input of Object.keys(output.inputs)) {
        const dir = packageDir(input);
        if (dir) dirs.add(dir);
      }
    }
  }
  const packages = [...dirs]
    .map((dir) => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  // Twenty-odd packages carry the same Apache-2.0 text: each distinct text is printed once, under the packages that carry it.
  const byText = new Map();
  for (const { dir, manifest } of packages) {
    const license = licenseName(manifest);
    const text = licenseText(dir) ?? `Licensed under ${license}; the package carries no license file.`;
    const names = byText.get(text) ?? [];
    names.push(`${manifest.name} ${manifest.version} (${license})`);
    byText.set(text, names);
  }
  const sections = [...byText].map(([text, names]) => `${names.map((n) => `- ${n}`).join('\n')}\n\n\`\`\`\n${text}\n\`\`\`\n`);
  const header =
    '# Third-party notices\n\nIAM Switchboard bundles code from these npm packages. Each is listed with its version, its license and ' +
    'the license text its package carries.\n\n';
  fs.writeFileSync(outFile, header + sections.join('\n---\n\n'));
  return packages.length;
}

import { build } from 'esbuild';
const r = await build({ entryPoints: ['src/extension/extension.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, external: ['vscode'], write: false, metafile: true, outfile: '/tmp/x.js' });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([k, v]) => [k, v.bytesInOutput]).filter(([k]) => !k.includes('node_modules')).sort((a, b) => b[1] - a[1]);
let ext = 0, other = 0;
for (const [k, v] of rows) { if (k.startsWith('src/extension') || k.startsWith('src/shared')) { ext += v; console.log(v, k); } else other += v; }
console.log('extension', ext, 'rest', other, 'total', out.bytes);

/** `npm run bench:readme`: copies the summary of bench/RESULTS.md into README.md's Performance section. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncReadme } from './lib/readme.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
syncReadme(join(root, 'README.md'), join(root, 'bench/RESULTS.md'));
console.log('README.md: Performance table copied from bench/RESULTS.md');

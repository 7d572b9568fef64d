import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summaryFromResults, summaryInReadme, withSummary } from '../../bench/lib/readme.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const RESULTS = readFileSync(new URL('../../bench/RESULTS.md', import.meta.url), 'utf8');

describe("README's performance table", () => {
  it('is the summary of the committed bench/RESULTS.md (run `npm run bench:readme` after a full bench)', () => {
    expect(summaryInReadme(README)).toBe(summaryFromResults(RESULTS));
  });

  it('names the run it came from and keeps every summary row', () => {
    const summary = summaryFromResults(RESULTS);
    const commit = /^- streamgate commit (\w+)/m.exec(RESULTS)![1]!;
    expect(summary).toContain(`streamgate ${commit}`);
    const resultRows = RESULTS.split('\n## Summary\n')[1]!.split('\n## ')[0]!.split('\n').filter((l) => l.startsWith('|'));
    expect(resultRows.length).toBeGreaterThan(10);
    for (const row of resultRows) expect(summary).toContain(row);
  });

  it('is replaced whole between its markers', () => {
    const before = 'intro\n<!-- bench-summary:start -->\nold\n<!-- bench-summary:end -->\noutro\n';
    const after = withSummary(before, 'new table');
    expect(after).toBe('intro\n<!-- bench-summary:start -->\nnew table\n<!-- bench-summary:end -->\noutro\n');
    expect(summaryInReadme(after)).toBe('new table');
    expect(() => withSummary('no markers', 'x')).toThrow(/no <!-- bench-summary:start -->/);
  });
});

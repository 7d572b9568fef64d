/**
 * Seeds that once found a difference between our core and redis-server.
 * They always run (besides the fixed and random seeds), so that a fix stays
 * fixed. Add a row for every seed that failed; never remove one.
 * `triage` names the DIFF_TRIAGE ids (triage.ts) that had to be set for the
 * seed to reach that finding.
 */
export interface RegressionSeed {
  seed: number;
  /** Commands to run (default: the run's DIFF_OPS). */
  ops?: number;
  found: string;
  triage?: string;
}

export const REGRESSION_SEEDS: readonly RegressionSeed[] = [
  { seed: 1, ops: 700, found: 'radix-tree-nodes: the listpack count instead of the rax node count (op #11)' },
  { seed: 2, ops: 700, found: 'recorded-first-entry-id of an emptied stream is max-max, not 0-0 (op #399)', triage: 'radix-tree-nodes' },
  { seed: 3, ops: 700, found: 'XCLAIM RETRYCOUNT -3 stores -3 (op #556)', triage: 'radix-tree-nodes,recorded-first-entry-id' },
  { seed: 7, ops: 700, found: '"(+" accepted as a range start (op #25)', triage: 'radix-tree-nodes,recorded-first-entry-id' },
  { seed: 836518367, ops: 700, found: 'XSETID refuses an ID below max-deleted-entry-id (op #436)', triage: 'radix-tree-nodes,recorded-first-entry-id' },
  { seed: 144, ops: 3000, found: 'XADD <ms>-* on a full ms: Redis 7.0 wording depends on errno (now in KNOWN_ERROR_WORDING) (op #1010)', triage: 'all' },
];

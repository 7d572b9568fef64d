/** One line of a scenario's result table. Values are medians over the rounds. */
export interface Row {
  measure: string;
  /** streamgate's figure; null when skipped or failed. */
  value: number | null;
  unit: string;
  /** The anchor's figure, in the same unit (absent when the target is absolute). */
  anchor?: number | null;
  /** ratio = value / anchor unless the scenario defines it otherwise (then `ratioNote` says how). */
  ratio?: number | null;
  ratioNote?: string;
  /** In words: ">= 0.9x", "<= 0.5 ms". */
  target?: string;
  /** null: no verdict (skipped, or informational). */
  met?: boolean | null;
  /** Why the row has no streamgate figure. */
  skipped?: string;
  note?: string;
  /** Per-round figures, for RESULTS.md. */
  rounds?: number[];
  anchorRounds?: number[];
}

export interface Scenario {
  id: number;
  title: string;
  /** What the anchor is, in words. */
  anchor: string;
  target: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export interface BuildInfo {
  /** How to start the server: node + these args (compiled JS when the build worked, else tsx on src/). */
  serverArgs: string[];
  /** Directory holding `src/...` as importable modules (compiled .js, or the repo root with tsx). */
  modulesRoot: string;
  /** Extension of those modules: '.js' for the build, '.ts' under tsx. */
  compiled: boolean;
  /** How to start bench/anchors/bare-fastify.ts: compiled like the server when that worked, else through tsx. */
  anchorArgs: string[];
  note: string;
}

export interface BenchContext {
  quick: boolean;
  rounds: number;
  root: string;
  build: BuildInfo;
  /** When set, the streamgate server runs with --cpu-prof into this directory. */
  profileDir: string | undefined;
  log(message: string): void;
}

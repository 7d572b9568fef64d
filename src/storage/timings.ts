/** Where the log store reports how long its disk work takes (for /metrics); every method is optional work for the caller. */
export interface StorageTimings {
  /** One log write of `bytes`, from the first byte handed to the OS to the last. */
  logWrite(seconds: number, bytes: number): void;
  /** One fdatasync of the log. */
  fsync(seconds: number): void;
  /** One snapshot, from the switch to a new log to the old generations' removal; `ok` false when it failed. */
  snapshot(seconds: number, ok: boolean): void;
}

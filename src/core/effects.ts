import type { StreamId } from '../domain/ids.js';
import type { DueQueue } from './delivery-policy.js';
import type { DeliveryPolicy, FieldList } from '../domain/types.js';

/**
 * Effects: what a command changed, never what was asked. Every effect is
 * absolute and idempotent (applying it twice leaves the state as applying it
 * once), so a log replayed over a snapshot taken while writes went on
 * converges to the same state. One command yields one `EffectBatch`, which the
 * storage layer frames and writes as a unit.
 *
 * Times are Unix milliseconds as numbers; counters that Redis keeps as 64-bit
 * (entries-added, entries-read) are bigints.
 */
export type Effect =
  /**
   * XADD with its concrete ID; creates the stream when missing. The entry is
   * appended unless it is already there (or below the last slot: it was
   * deleted since); last-generated-id becomes `id` and entries-added
   * `entriesAdded` either way, so a replay over a newer snapshot converges.
   */
  | { op: 'add'; key: string; id: StreamId; fields: FieldList; entriesAdded: bigint }
  /** A stream that exists with no entries (XGROUP CREATE ... MKSTREAM). */
  | { op: 'create'; key: string }
  /**
   * Trimming: every entry <= `upTo` goes, as Redis's exact trim removes them:
   * nodes whose last slot is <= upTo whole, then tombstones in the next node.
   * MAXLEN, MINID, `=` and `~` all reduce to this.
   */
  | { op: 'trim'; key: string; upTo: StreamId }
  /** XDEL: removes these entries; max-deleted-entry-id and recorded-first-entry-id become what they were after it. */
  | { op: 'delete'; key: string; ids: StreamId[]; maxDeletedId: StreamId; firstId: StreamId }
  /** XSETID; `firstId` (recorded-first-entry-id) only from snapshots, which restore it exactly. */
  | { op: 'set-id'; key: string; lastId: StreamId; entriesAdded: bigint; maxDeletedId: StreamId; firstId?: StreamId }
  /** DEL */
  | { op: 'drop'; key: string }
  /** XGROUP CREATE; does nothing when the group exists. */
  | { op: 'group-create'; key: string; group: string; lastId: StreamId; entriesRead: bigint | null }
  /** XGROUP SETID, and XCLAIM LASTID (which keeps entries-read). */
  | { op: 'group-set-id'; key: string; group: string; lastId: StreamId; entriesRead: bigint | null }
  | { op: 'group-destroy'; key: string; group: string }
  /** Creates the consumer when missing, seen at `time`, never active. */
  | { op: 'consumer-create'; key: string; group: string; consumer: string; time: number }
  /** XGROUP DELCONSUMER: the consumer and its pending entries go. */
  | { op: 'consumer-delete'; key: string; group: string; consumer: string }
  /**
   * A `>` read at `time`: `ids` are now pending for `consumer` with count 1
   * (none for NOACK, whose deliveries are not logged one by one), `active`
   * says it delivered anything, and the group moved to `lastId`/`entriesRead`.
   */
  | {
      op: 'deliver';
      key: string;
      group: string;
      consumer: string;
      time: number;
      ids: StreamId[];
      active: boolean;
      lastId: StreamId;
      entriesRead: bigint | null;
    }
  /**
   * History reads and claims: each listed pending entry now belongs to
   * `consumer` with the given delivery time and count (created when missing).
   * The consumer was seen at `seenTime` and, when `activeTime` is set, active then.
   */
  | {
      op: 'pending-set';
      key: string;
      group: string;
      consumer: string;
      seenTime: number;
      activeTime: number | null;
      entries: { id: StreamId; time: number; count: number }[];
    }
  /** XACK, and the PEL entries XCLAIM / XAUTOCLAIM drop for deleted messages. */
  | { op: 'ack'; key: string; group: string; ids: StreamId[] }
  /**
   * XNACK: each listed entry (pending, or created) loses its owner, gets
   * delivery time 0 and this count, and goes to the end of the nacked zone, in
   * the order listed.
   */
  | { op: 'nack'; key: string; group: string; entries: { id: StreamId; count: number }[] }
  /** XCFGSET, and snapshots (`clear` false): the stream's idempotency windows; `clear` forgets every recorded iid. */
  | { op: 'idmp-config'; key: string; durationS: number; maxSize: number; clear: boolean }
  /**
   * An idempotent XADD recorded (producer, iid) -> id, with the digest of its
   * fields; iids-added became `added`. Past max-size the producer's oldest iid
   * is forgotten.
   */
  | { op: 'idmp-record'; key: string; producer: string; iid: string; id: StreamId; digest: string; added: bigint }
  /**
   * A batch under one key (the Idempotency-Key header) recorded (producer, iid)
   * -> all its IDs, in order, with the batch's digest; as idmp-record otherwise.
   */
  | { op: 'idmp-record-batch'; key: string; producer: string; iid: string; ids: StreamId[]; digest: string; added: bigint }
  /** A duplicate idempotent XADD: iids-duplicates became `duplicates`. */
  | { op: 'idmp-duplicate'; key: string; duplicates: bigint }
  /** DELREF (XACKDEL, XDELEX, trimming): these IDs leave every group's PEL. */
  | { op: 'dereference'; key: string; ids: StreamId[] }
  /** streamgate: the group's delivery policy (null: none); due times are rebuilt from the PEL (delivery-policy.ts installPolicy). */
  | { op: 'group-policy'; key: string; group: string; policy: DeliveryPolicy | null }
  /**
   * streamgate: due times (Unix ms) of pending entries of a group with a policy: `deadline` for owned
   * entries (extend), `nacked` / `overdue` for unowned ones (after the 'nack' that released them).
   * Entries not pending, or owned when the queue wants unowned (or the reverse), are passed over.
   */
  | { op: 'policy-due'; key: string; group: string; queue: DueQueue; entries: { id: StreamId; due: number }[] };

export type EffectBatch = Effect[];

export type EffectSink = (batch: EffectBatch) => void;

import type { Delivery, Entry } from '../../domain/types.js';
import type { FieldsFormat } from '../wire/fields.js';
import { idFormatter } from '../wire/ids.js';
import { messageJson } from '../wire/message-json.js';

/** The entries of one read and the bytes they were encoded to. */
interface EncodedRead {
  entries: readonly (Entry | Delivery)[];
  bytes: Buffer;
}

/**
 * Encodes the `message` events of one read, and shares the bytes between
 * subscribers that read the same entries: one added batch wakes every
 * subscriber of the stream, and each reads the same entries, so each read
 * after the first is written from the first one's buffer, with no JSON and no
 * UTF-8 encoding of its own. A read is shared only when every entry has the
 * same ID, the same delivery count and equal fields as the cached one (an ID
 * can come back with other fields after DEL or XSETID), so the bytes are
 * always those of the read's own entries.
 */
export class MessageFrames {
  private readonly lastByFormat: Record<FieldsFormat, EncodedRead | undefined> = { object: undefined, pairs: undefined };

  /** `id:`, `event: message` and `data:` (the message JSON) per entry, as one buffer. */
  encode(entries: readonly (Entry | Delivery)[], format: FieldsFormat): Buffer {
    const last = this.lastByFormat[format];
    if (last !== undefined && sameEntries(last.entries, entries)) return last.bytes;
    const formatId = idFormatter();
    let text = '';
    for (const entry of entries) {
      const id = formatId(entry.id);
      text += `id: ${id}\nevent: message\ndata: ${messageJson(entry, id, format)}\n\n`;
    }
    const bytes = Buffer.from(text);
    this.lastByFormat[format] = { entries, bytes };
    return bytes;
  }
}

function sameEntries(a: readonly (Entry | Delivery)[], b: readonly (Entry | Delivery)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id || deliveryCountOf(x) !== deliveryCountOf(y) || !sameFields(x.fields, y.fields)) return false;
  }
  return true;
}

function deliveryCountOf(entry: Entry | Delivery): number | undefined {
  return 'deliveryCount' in entry ? entry.deliveryCount : undefined;
}

function sameFields(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

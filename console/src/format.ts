/** `<ms>-<seq>` or an incomplete `<ms>`, both parts unsigned 64-bit decimals. */
const ID = /^\d{1,20}(-\d{1,20})?$/;
const MAX_DATE_MS = 8_640_000_000_000_000;

export function isId(text: string): boolean {
  return ID.test(text);
}

/** The time an ID carries (its ms part), as ISO 8601 UTC; empty beyond the range of a JS date. */
export function idTime(id: string): string {
  const ms = Number(id.split('-', 1)[0]);
  return Number.isFinite(ms) && ms <= MAX_DATE_MS ? new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC') : '';
}

/** A date-time (as typed, or from a datetime-local control: local time) as the first ID of its millisecond. */
export function timeToId(text: string): string | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms < 0 ? null : `${ms}-0`;
}

/** Milliseconds for people: `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 10 min`, `4 d 3 h`; -1 is `never`. */
export function duration(ms: number): string {
  if (ms < 0) return 'never';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${Math.floor(s % 60)} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function countOrUnknown(value: number | null): string {
  return value === null ? 'unknown' : String(value);
}

/** Paths inside the console, names percent-encoded as path segments. */
export const paths = {
  streams: () => '/ui/',
  stream: (stream: string) => `/ui/streams/${encodeURIComponent(stream)}`,
  group: (stream: string, group: string) => `/ui/streams/${encodeURIComponent(stream)}/groups/${encodeURIComponent(group)}`,
};

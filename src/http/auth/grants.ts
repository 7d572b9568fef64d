import { z } from 'zod';
import { ACTIONS, type Action } from './actions.js';

/** One entry of an `allow` list, as the tokens file and the JWT `streamgate` claim write it. */
export const grantSchema = z.strictObject({
  streams: z.string().min(1),
  actions: z.array(z.enum(ACTIONS as [Action, ...Action[]])).min(1),
});

export const allowSchema = z.array(grantSchema);

export type GrantSpec = z.infer<typeof grantSchema>;

interface Grant {
  pattern: string;
  matches: (stream: string) => boolean;
  actions: ReadonlySet<Action>;
}

/** Who a request authenticated as: a token's name or a JWT's `sub`, and what it may do. */
export interface Principal {
  name: string;
  /** Requests per second for this principal; undefined uses RATE_LIMIT_PER_SECOND. */
  rateLimitPerSecond?: number;
  may(action: Action, stream: string): boolean;
  /** Whether the action is granted on every stream (a `*` pattern). */
  mayEverywhere(action: Action): boolean;
  /** Whether any grant carries the action. */
  mayAnywhere(action: Action): boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
}

/** A glob over stream names: `*` any run of characters (none included), `?` exactly one. */
export function globMatcher(pattern: string): (stream: string) => boolean {
  if (pattern === '*') return () => true;
  if (!/[*?]/.test(pattern)) return (stream) => stream === pattern;
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch))).join('');
  const regex = new RegExp(`^${source}$`, 'su');
  return (stream) => regex.test(stream);
}

export function makePrincipal(name: string, allow: readonly GrantSpec[], rateLimitPerSecond?: number): Principal {
  const grants: Grant[] = allow.map((spec) => ({ pattern: spec.streams, matches: globMatcher(spec.streams), actions: new Set(spec.actions) }));
  return {
    name,
    rateLimitPerSecond,
    may: (action, stream) => grants.some((grant) => grant.actions.has(action) && grant.matches(stream)),
    mayEverywhere: (action) => grants.some((grant) => grant.actions.has(action) && /^\**$/.test(grant.pattern)),
    mayAnywhere: (action) => grants.some((grant) => grant.actions.has(action)),
  };
}

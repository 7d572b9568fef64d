import { createClient, ProblemError, unwrap, type Problem, type StreamgateClient } from '../../sdk/src/index.js';

const TOKEN_KEY = 'streamgate.token';

/** The bearer token lives in sessionStorage: it goes with the tab, not with the browser profile. */
export function loadToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** The API is served by the same streamgate that serves the console. */
export const baseUrl = location.origin;

export function makeClient(token: string): StreamgateClient {
  return createClient({ baseUrl, ...(token ? { token } : {}) });
}

/** Awaits an openapi-fetch call: its data, or a thrown ProblemError. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  return unwrap(await request);
}

/** Anything thrown by a call, as a problem to show: network failures included. */
export function asProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  const detail = error instanceof Error ? error.message : String(error);
  return { type: 'about:blank', title: 'Request failed', status: 0, detail: `the server could not be reached (${detail})`, code: 'INTERNAL' };
}

export type { Problem, StreamgateClient };

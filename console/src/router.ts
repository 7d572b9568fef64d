import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'streams' }
  | { page: 'stream'; stream: string }
  | { page: 'group'; stream: string; group: string }
  | { page: 'unknown'; path: string };

/** `/ui/`, `/ui/streams/<stream>`, `/ui/streams/<stream>/groups/<group>`; names are single encoded segments. */
export function parseRoute(pathname: string): Route {
  const rest = pathname.replace(/^\/ui\/?/, '');
  const segments = rest === '' ? [] : rest.replace(/\/$/, '').split('/');
  try {
    const names = segments.map((s) => decodeURIComponent(s));
    if (names.length === 0) return { page: 'streams' };
    if (names.length === 2 && names[0] === 'streams') return { page: 'stream', stream: names[1]! };
    if (names.length === 4 && names[0] === 'streams' && names[2] === 'groups') return { page: 'group', stream: names[1]!, group: names[3]! };
  } catch {
    // A malformed percent-encoding is an unknown page.
  }
  return { page: 'unknown', path: pathname };
}

const NAVIGATE = 'streamgate:navigate';

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new Event(NAVIGATE));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', update);
    addEventListener(NAVIGATE, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(NAVIGATE, update);
    };
  }, []);
  return route;
}

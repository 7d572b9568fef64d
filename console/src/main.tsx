import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { loadToken, makeClient, saveToken } from './api.js';
import { Link } from './components.js';
import { GroupPage } from './pages/group.js';
import { StreamPage } from './pages/stream.js';
import { StreamsPage } from './pages/streams.js';
import { paths } from './format.js';
import { useRoute } from './router.js';

function TokenField({ token, onChange }: { token: string; onChange: (token: string) => void }) {
  const [draft, setDraft] = useState(token);
  return (
    <form
      class="token"
      aria-label="Access token"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(draft.trim());
      }}
    >
      <label for="token">Token</label>
      <input id="token" type="password" autocomplete="off" spellcheck={false} placeholder="none" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
      <button type="submit">Use token</button>
      {token && (
        <button
          type="button"
          onClick={() => {
            setDraft('');
            onChange('');
          }}
        >
          Forget
        </button>
      )}
    </form>
  );
}

function App() {
  const route = useRoute();
  const [token, setToken] = useState(loadToken);
  const api = useMemo(() => makeClient(token), [token]);
  const changeToken = (next: string) => {
    saveToken(next);
    setToken(next);
  };
  // A new token remounts the page: everything is loaded again with it.
  const page =
    route.page === 'streams' ? (
      <StreamsPage key={token} api={api} />
    ) : route.page === 'stream' ? (
      <StreamPage key={`${token}\n${route.stream}`} api={api} stream={route.stream} token={token} />
    ) : route.page === 'group' ? (
      <GroupPage key={`${token}\n${route.stream}\n${route.group}`} api={api} stream={route.stream} group={route.group} />
    ) : (
      <p class="problem" role="alert">
        No console page at {route.path}. <Link href={paths.streams()}>All streams</Link>
      </p>
    );
  return (
    <>
      <header class="top">
        <Link href={paths.streams()} label="streamgate console: all streams">
          <span class="brand">streamgate</span>
        </Link>
        <TokenField token={token} onChange={changeToken} />
      </header>
      <main id="main">{page}</main>
      <footer class="bottom">
        <a href="/docs">API docs</a> · <a href="/openapi.json">OpenAPI</a>
      </footer>
    </>
  );
}

render(<App />, document.getElementById('app')!);

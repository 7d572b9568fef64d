import { useState } from 'preact/hooks';
import { call, type StreamgateClient } from '../api.js';
import { ConfirmButton, FieldRowsEditor, Link, ProblemBanner, Section, useAction, useLoad, type FieldPairs } from '../components.js';
import { paths } from '../format.js';
import { navigate } from '../router.js';

const PAGE_SIZES = [25, 50, 100, 500] as const;

/** The streams, a page at a time (SCAN-like cursor paging), filtered by name prefix. */
export function StreamsPage({ api }: { api: StreamgateClient }) {
  const [prefixInput, setPrefixInput] = useState('');
  const [query, setQuery] = useState({ prefix: '', limit: 50 as number, cursor: undefined as string | undefined });
  // Cursors of the pages before this one, for "Previous".
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const action = useAction();
  const list = useLoad(
    () =>
      call(
        api.GET('/v1/streams', {
          params: { query: { limit: query.limit, ...(query.prefix ? { prefix: query.prefix } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) } },
        }),
      ),
    JSON.stringify(query),
  );

  const search = (event: Event) => {
    event.preventDefault();
    setPrevious([]);
    setQuery({ ...query, prefix: prefixInput, cursor: undefined });
  };
  const remove = (name: string) =>
    void action.run(async () => {
      await call(api.DELETE('/v1/streams/{stream}', { params: { path: { stream: name } } }));
      await list.reload();
    });

  return (
    <>
      <h1>Streams</h1>
      <Section id="streams" title="All streams" actions={<button type="button" onClick={() => void list.reload()}>Refresh</button>}>
        <form class="toolbar" role="search" onSubmit={search}>
          <label for="prefix">Name prefix</label>
          <input id="prefix" type="search" value={prefixInput} placeholder="orders:" onInput={(e) => setPrefixInput(e.currentTarget.value)} />
          <button type="submit">Search</button>
          <label for="page-size">Per page</label>
          <select
            id="page-size"
            value={String(query.limit)}
            onChange={(e) => {
              setPrevious([]);
              setQuery({ ...query, limit: Number(e.currentTarget.value), cursor: undefined });
            }}
          >
            {PAGE_SIZES.map((n) => (
              <option value={String(n)} key={n}>
                {n}
              </option>
            ))}
          </select>
        </form>
        <ProblemBanner problem={list.problem} />
        <ProblemBanner problem={action.problem} onDismiss={action.clear} />
        {list.data && (
          <>
            <div class="table-wrap">
              <table class="data" aria-label="Streams">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" class="num">Length</th>
                    <th scope="col" class="num">Groups</th>
                    <th scope="col">Last ID</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.streams.map((s) => (
                    <tr key={s.name} data-stream={s.name}>
                      <td>
                        <Link href={paths.stream(s.name)}>{s.name}</Link>
                      </td>
                      <td class="num">{s.length}</td>
                      <td class="num">{s.groups}</td>
                      <td class="mono">{s.lastGeneratedId}</td>
                      <td class="actions">
                        <ConfirmButton label="Delete" ariaLabel={`Delete stream ${s.name}`} confirmLabel={`Delete ${s.name}`} disabled={action.busy} onConfirm={() => remove(s.name)} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {list.data.streams.length === 0 && <p class="empty">{query.prefix ? `No stream name starts with "${query.prefix}".` : 'No streams yet: create one below.'}</p>}
            <nav class="pager" aria-label="Stream pages">
              <button
                type="button"
                disabled={previous.length === 0}
                onClick={() => {
                  setQuery({ ...query, cursor: previous[previous.length - 1] });
                  setPrevious(previous.slice(0, -1));
                }}
              >
                Previous page
              </button>
              <span>Page {previous.length + 1}</span>
              <button
                type="button"
                disabled={list.data.nextCursor === null}
                onClick={() => {
                  setPrevious([...previous, query.cursor]);
                  setQuery({ ...query, cursor: list.data!.nextCursor ?? undefined });
                }}
              >
                Next page
              </button>
            </nav>
          </>
        )}
      </Section>
      <CreateStream api={api} />
    </>
  );
}

/** A stream comes into being with its first message (XADD) or with a group (XGROUP CREATE ... MKSTREAM). */
function CreateStream({ api }: { api: StreamgateClient }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'message' | 'group'>('message');
  const [rows, setRows] = useState<FieldPairs>([['', '']]);
  const [group, setGroup] = useState('');
  const [startId, setStartId] = useState('$');
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      if (mode === 'message') await call(api.POST('/v1/streams/{stream}/messages', { params: { path: { stream: name } }, body: { fields: rows } }));
      else await call(api.POST('/v1/streams/{stream}/groups', { params: { path: { stream: name } }, body: { name: group, startId, mkStream: true } }));
      navigate(paths.stream(name));
    });
  };

  return (
    <Section id="create-stream" title="Create a stream">
      <form class="stack" onSubmit={submit}>
        <label for="new-stream-name">Stream name</label>
        <input id="new-stream-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <fieldset class="choices">
          <legend>Create it with</legend>
          <label>
            <input type="radio" name="create-mode" checked={mode === 'message'} onChange={() => setMode('message')} /> a first message
          </label>
          <label>
            <input type="radio" name="create-mode" checked={mode === 'group'} onChange={() => setMode('group')} /> an empty stream and a consumer group
          </label>
        </fieldset>
        {mode === 'message' ? (
          <FieldRowsEditor idPrefix="new-stream-field" rows={rows} onChange={setRows} />
        ) : (
          <div class="inline-fields">
            <label for="new-stream-group">Group name</label>
            <input id="new-stream-group" required value={group} onInput={(e) => setGroup(e.currentTarget.value)} />
            <label for="new-stream-start">Start ID</label>
            <input id="new-stream-start" required value={startId} onInput={(e) => setStartId(e.currentTarget.value)} />
          </div>
        )}
        <ProblemBanner problem={action.problem} onDismiss={action.clear} />
        <div>
          <button type="submit" class="primary" disabled={action.busy}>
            Create stream
          </button>
        </div>
      </form>
    </Section>
  );
}

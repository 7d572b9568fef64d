import { useEffect, useRef, useState } from 'preact/hooks';
import { messagesOf, subscribe, type FieldsFormat, type Message, type Subscription } from '../../../sdk/src/index.js';
import { baseUrl, call, type Problem, type StreamgateClient } from '../api.js';
import { ConfirmButton, FieldRowsEditor, FieldsTable, Link, ProblemBanner, Section, useAction, useLoad, type FieldPairs } from '../components.js';
import { countOrUnknown, idTime, isId, paths, timeToId } from '../format.js';
import { navigate } from '../router.js';

export function StreamPage({ api, stream, token }: { api: StreamgateClient; stream: string; token: string }) {
  const info = useLoad(() => call(api.GET('/v1/streams/{stream}', { params: { path: { stream } } })), stream);
  const action = useAction();
  // Appends and group changes bump this so the summary, groups and browser reload.
  const [version, setVersion] = useState(0);
  const changed = () => {
    setVersion((v) => v + 1);
    void info.reload();
  };

  return (
    <>
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <Link href={paths.streams()}>Streams</Link> <span aria-hidden="true">/</span> <span>{stream}</span>
      </nav>
      <h1>
        Stream <span class="name">{stream}</span>
      </h1>
      <ProblemBanner problem={info.problem} />
      {info.data && (
        <>
          <Section
            id="summary"
            title="Summary"
            actions={
              <>
              <button type="button" onClick={() => void info.reload()}>
                Refresh
              </button>
              <ConfirmButton
                label="Delete stream"
                confirmLabel={`Delete ${stream} and its groups`}
                disabled={action.busy}
                onConfirm={() =>
                  void action.run(async () => {
                    await call(api.DELETE('/v1/streams/{stream}', { params: { path: { stream } } }));
                    navigate(paths.streams());
                  })
                }
              />
              </>
            }
          >
            <ProblemBanner problem={action.problem} onDismiss={action.clear} />
            <dl class="facts">
              <div>
                <dt>Length</dt>
                <dd data-fact="length">{info.data.length}</dd>
              </div>
              <div>
                <dt>Entries added</dt>
                <dd>{info.data.entriesAdded}</dd>
              </div>
              <div>
                <dt>Groups</dt>
                <dd>{info.data.groups}</dd>
              </div>
              <div>
                <dt>Last generated ID</dt>
                <dd class="mono">{info.data.lastGeneratedId}</dd>
              </div>
              <div>
                <dt>First entry</dt>
                <dd class="mono">{'firstEntry' in info.data && info.data.firstEntry ? info.data.firstEntry.id : 'none'}</dd>
              </div>
              <div>
                <dt>Max deleted ID</dt>
                <dd class="mono">{info.data.maxDeletedEntryId}</dd>
              </div>
            </dl>
          </Section>
          <Groups api={api} stream={stream} version={version} onChange={changed} />
          <div class="columns">
            <LiveTail stream={stream} token={token} />
            <AppendForm api={api} stream={stream} onAppended={changed} />
          </div>
          <Browser api={api} stream={stream} version={version} />
        </>
      )}
    </>
  );
}

function Groups({ api, stream, version, onChange }: { api: StreamgateClient; stream: string; version: number; onChange: () => void }) {
  const groups = useLoad(() => call(api.GET('/v1/streams/{stream}/groups', { params: { path: { stream } } })), `${stream}\n${version}`);
  const [name, setName] = useState('');
  const [startId, setStartId] = useState('$');
  const action = useAction();
  const create = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await call(api.POST('/v1/streams/{stream}/groups', { params: { path: { stream } }, body: { name, startId } }));
      setName('');
      onChange();
    });
  };
  return (
    <Section id="groups" title="Consumer groups" actions={<button type="button" onClick={() => void groups.reload()}>Refresh</button>}>
      <ProblemBanner problem={groups.problem} />
      {groups.data && groups.data.groups.length === 0 && <p class="empty">No consumer groups.</p>}
      {groups.data && groups.data.groups.length > 0 && (
        <div class="table-wrap">
          <table class="data" aria-label="Consumer groups">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col" class="num">Consumers</th>
                <th scope="col" class="num">Pending</th>
                <th scope="col" class="num">Lag</th>
                <th scope="col" class="num">Entries read</th>
                <th scope="col">Last delivered ID</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.groups.map((g) => (
                <tr key={g.name} data-group={g.name}>
                  <td>
                    <Link href={paths.group(stream, g.name)}>{g.name}</Link>
                  </td>
                  <td class="num">{g.consumers}</td>
                  <td class="num" data-col="pending">
                    {g.pending}
                  </td>
                  <td class="num">{countOrUnknown(g.lag)}</td>
                  <td class="num">{countOrUnknown(g.entriesRead)}</td>
                  <td class="mono">{g.lastDeliveredId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="toolbar" onSubmit={create} aria-label="Create a consumer group">
        <label for="new-group-name">New group</label>
        <input id="new-group-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="new-group-start">Start ID</label>
        <input id="new-group-start" class="short" required value={startId} title="$ for new messages only, 0 for the whole stream, or an ID" onInput={(e) => setStartId(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          Create group
        </button>
      </form>
      <ProblemBanner problem={action.problem} onDismiss={action.clear} />
    </Section>
  );
}

function AppendForm({ api, stream, onAppended }: { api: StreamgateClient; stream: string; onAppended: () => void }) {
  const [rows, setRows] = useState<FieldPairs>([['', '']]);
  const [id, setId] = useState('*');
  const [lastId, setLastId] = useState<string | null>(null);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const added = await call(api.POST('/v1/streams/{stream}/messages', { params: { path: { stream } }, body: { fields: rows, id, noMkStream: true } }));
      setLastId(added.id);
      onAppended();
    });
  };
  return (
    <Section id="append" title="Append a message">
      <form class="stack" onSubmit={submit}>
        <FieldRowsEditor idPrefix="append-field" rows={rows} onChange={setRows} />
        <label for="append-id">ID</label>
        <input id="append-id" class="short" required value={id} title="* for an ID from the clock, <ms>-* or an explicit <ms>-<seq>" onInput={(e) => setId(e.currentTarget.value)} />
        <ProblemBanner problem={action.problem} onDismiss={action.clear} />
        <div>
          <button type="submit" class="primary" disabled={action.busy}>
            Append
          </button>
          {lastId && (
            <span class="note" role="status">
              {' '}
              Appended <span class="mono">{lastId}</span>
            </span>
          )}
        </div>
      </form>
    </Section>
  );
}

const TAIL_KEEP = 100;

/** The stream's SSE tail: newest first, the last 100 kept; pausing closes the connection, resuming picks up after the last one seen. */
function LiveTail({ stream, token }: { stream: string; token: string }) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'paused' | 'reconnecting' | 'ended'>('connecting');
  const [problem, setProblem] = useState<Problem | null>(null);
  const subscription = useRef<Subscription | null>(null);
  const lastSeen = useRef<string | undefined>(undefined);

  const start = () => {
    setProblem(null);
    setState('connecting');
    const sub = subscribe({
      baseUrl,
      ...(token ? { token } : {}),
      stream,
      after: lastSeen.current ?? '$',
      eventSource: (url) => {
        const source = new EventSource(url);
        // Every (re)connection, not only the first: the badge goes back to live after a reconnect.
        source.addEventListener('open', () => {
          if (subscription.current === sub) setState('live');
        });
        return source;
      },
      onMessage: (message) => {
        lastSeen.current = message.id;
        setState('live');
        setMessages((list) => [message, ...list].slice(0, TAIL_KEEP));
      },
      onProblem: (p, willReconnect) => {
        setProblem(p);
        setState(willReconnect ? 'reconnecting' : 'ended');
      },
      onError: () => {
        if (subscription.current === sub) setState((s) => (s === 'paused' || s === 'ended' ? s : 'reconnecting'));
      },
    });
    subscription.current = sub;
    void sub.opened.then(() => {
      if (subscription.current === sub) setState((s) => (s === 'paused' || s === 'ended' ? s : 'live'));
    });
  };
  const stop = () => {
    const sub = subscription.current;
    subscription.current = null;
    void sub?.close();
  };

  useEffect(() => {
    start();
    return stop;
  }, [stream, token]);

  const running = state !== 'paused' && state !== 'ended';
  return (
    <Section
      id="tail"
      title="Live tail"
      actions={
        <>
          <span class={`badge ${state}`} role="status" aria-live="polite" data-tail-state={state}>
            {state}
          </span>
          <button
            type="button"
            aria-pressed={!running}
            onClick={() => {
              if (running) {
                stop();
                setState('paused');
              } else start();
            }}
          >
            {running ? 'Pause' : 'Resume'}
          </button>
          <button type="button" disabled={messages.length === 0} onClick={() => setMessages([])}>
            Clear
          </button>
        </>
      }
    >
      <ProblemBanner problem={problem} />
      {messages.length === 0 ? (
        <p class="empty">{running ? 'Waiting for new messages…' : 'Paused.'}</p>
      ) : (
        <MessageTable label="Live tail messages" messages={messages} />
      )}
    </Section>
  );
}

function MessageTable({ label, messages }: { label: string; messages: Message<FieldsFormat>[] }) {
  return (
    <div class="table-wrap">
      <table class="data messages" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Time</th>
            <th scope="col">Fields</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.id} data-id={m.id}>
              <td class="mono">{m.id}</td>
              <td class="time">{idTime(m.id)}</td>
              <td>
                <FieldsTable fields={m.fields} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Direction = 'forward' | 'backward';
interface Range {
  /** Toward higher IDs (XRANGE) or lower ones (XREVRANGE), from `bound`. */
  toward: Direction;
  bound: string;
}

const PAGE_SIZES = [10, 25, 50, 100] as const;

/**
 * History both ways: XRANGE from a bound up, XREVRANGE from a bound down. Newer and Older page on
 * from the IDs shown with exclusive bounds (`(id`), whatever order the rows are shown in.
 */
function Browser({ api, stream, version }: { api: StreamgateClient; stream: string; version: number }) {
  const [fromInput, setFromInput] = useState('+');
  const [timeInput, setTimeInput] = useState('');
  const [order, setOrder] = useState<Direction>('backward');
  const [count, setCount] = useState(10);
  const [range, setRange] = useState<Range>({ toward: 'backward', bound: '+' });
  const [inputProblem, setInputProblem] = useState<string | null>(null);

  const page = useLoad(async () => {
    const query =
      range.toward === 'forward' ? { start: range.bound, end: '+', count } : { start: '-', end: range.bound, count, reverse: true };
    const messages = messagesOf('pairs', await call(api.GET('/v1/streams/{stream}/messages', { params: { path: { stream }, query: { ...query, fieldsFormat: 'pairs' } } })));
    return range.toward === order ? messages : [...messages].reverse();
  }, `${stream}\n${JSON.stringify(range)}\n${order}\n${count}\n${version}`);

  const show = (event: Event) => {
    event.preventDefault();
    let bound = fromInput.trim();
    if (bound !== '-' && bound !== '+' && !isId(bound.replace(/^\(/, ''))) {
      const fromTime = timeToId(bound);
      if (fromTime === null) {
        setInputProblem('Start at an ID (<ms>-<seq> or <ms>), - (the oldest), + (the newest), or a date-time such as 2026-12-03 12:00.');
        return;
      }
      bound = fromTime;
      setFromInput(fromTime);
    }
    setInputProblem(null);
    setRange({ toward: order, bound });
  };
  const rows = page.data ?? [];
  const ids = rows.map((m) => m.id);
  // Rows are in display order; the lowest and highest IDs are at one end or the other.
  const lowest = order === 'forward' ? ids[0] : ids[ids.length - 1];
  const highest = order === 'forward' ? ids[ids.length - 1] : ids[0];

  return (
    <Section id="browse" title="Browse messages" actions={<button type="button" onClick={() => void page.reload()}>Refresh</button>}>
      <form class="toolbar" onSubmit={show} aria-label="Where to start">
        <label for="browse-from">From ID or date-time</label>
        <input id="browse-from" class="short mono" value={fromInput} onInput={(e) => setFromInput(e.currentTarget.value)} />
        <label for="browse-time">or time</label>
        <input
          id="browse-time"
          type="datetime-local"
          step="1"
          value={timeInput}
          onInput={(e) => {
            setTimeInput(e.currentTarget.value);
            const id = timeToId(e.currentTarget.value);
            if (id) setFromInput(id);
          }}
        />
        <label for="browse-order">Order</label>
        <select id="browse-order" value={order} onChange={(e) => setOrder(e.currentTarget.value as Direction)}>
          <option value="backward">Newest first (XREVRANGE)</option>
          <option value="forward">Oldest first (XRANGE)</option>
        </select>
        <label for="browse-count">Per page</label>
        <select id="browse-count" value={String(count)} onChange={(e) => setCount(Number(e.currentTarget.value))}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
        <button type="submit">Show</button>
      </form>
      {inputProblem && (
        <p class="problem" role="alert">
          {inputProblem}
        </p>
      )}
      <ProblemBanner problem={page.problem} />
      {page.data && rows.length === 0 && <p class="empty">No messages in this direction.</p>}
      {rows.length > 0 && <MessageTable label="Messages" messages={rows} />}
      <nav class="pager" aria-label="Message pages">
        <button type="button" disabled={lowest === undefined} onClick={() => setRange({ toward: 'backward', bound: `(${lowest}` })}>
          Older
        </button>
        <button type="button" disabled={highest === undefined} onClick={() => setRange({ toward: 'forward', bound: `(${highest}` })}>
          Newer
        </button>
      </nav>
    </Section>
  );
}

import { useState } from 'preact/hooks';
import { call, type StreamgateClient } from '../api.js';
import { ConfirmButton, Link, ProblemBanner, Section, useAction, useLoad } from '../components.js';
import { countOrUnknown, duration, paths } from '../format.js';
import { navigate } from '../router.js';

export function GroupPage({ api, stream, group }: { api: StreamgateClient; stream: string; group: string }) {
  const path = { stream, group };
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const info = useLoad(() => call(api.GET('/v1/streams/{stream}/groups/{group}', { params: { path } })), `${stream}\n${group}\n${version}`);

  return (
    <>
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <Link href={paths.streams()}>Streams</Link> <span aria-hidden="true">/</span> <Link href={paths.stream(stream)}>{stream}</Link>{' '}
        <span aria-hidden="true">/</span> <span>{group}</span>
      </nav>
      <h1>
        Group <span class="name">{group}</span>
      </h1>
      <ProblemBanner problem={info.problem} />
      {info.data && (
        <>
          <Section id="group-summary" title="Summary" actions={<button type="button" onClick={changed}>Refresh</button>}>
            <dl class="facts">
              <div>
                <dt>Pending</dt>
                <dd data-fact="pending">{info.data.pending}</dd>
              </div>
              <div>
                <dt>Consumers</dt>
                <dd data-fact="consumers">{info.data.consumers}</dd>
              </div>
              <div>
                <dt>Lag</dt>
                <dd>{countOrUnknown(info.data.lag)}</dd>
              </div>
              <div>
                <dt>Entries read</dt>
                <dd>{countOrUnknown(info.data.entriesRead)}</dd>
              </div>
              <div>
                <dt>Last delivered ID</dt>
                <dd class="mono">{info.data.lastDeliveredId}</dd>
              </div>
            </dl>
          </Section>
          <Consumers api={api} stream={stream} group={group} version={version} onChange={changed} />
          <Pending api={api} stream={stream} group={group} version={version} onChange={changed} />
          <Section id="failures" title="Negative acknowledgements and dead letters">
            {/* The delivery-policy issue adds XNACK (`POST .../nacks`), a dead-letter stream per group and redrive: their actions belong here. */}
            <p class="note">
              Releasing pending entries (NACK), the group's delivery policy, its dead-letter stream and redrive come with the delivery-policy work; this server does
              not offer them yet.
            </p>
          </Section>
          <GroupSettings api={api} stream={stream} group={group} onChange={changed} />
        </>
      )}
    </>
  );
}

interface Props {
  api: StreamgateClient;
  stream: string;
  group: string;
  version: number;
  onChange: () => void;
}

function Consumers({ api, stream, group, version, onChange }: Props) {
  const consumers = useLoad(() => call(api.GET('/v1/streams/{stream}/groups/{group}/consumers', { params: { path: { stream, group } } })), `${stream}\n${group}\n${version}`);
  const action = useAction();
  const remove = (consumer: string) =>
    void action.run(async () => {
      await call(api.DELETE('/v1/streams/{stream}/groups/{group}/consumers/{consumer}', { params: { path: { stream, group, consumer } } }));
      onChange();
    });
  return (
    <Section id="consumers" title="Consumers">
      <ProblemBanner problem={consumers.problem} />
      <ProblemBanner problem={action.problem} onDismiss={action.clear} />
      {consumers.data && consumers.data.consumers.length === 0 && <p class="empty">No consumers yet: a consumer appears with its first read or claim.</p>}
      {consumers.data && consumers.data.consumers.length > 0 && (
        <div class="table-wrap">
          <table class="data" aria-label="Consumers">
            <thead>
              <tr>
                <th scope="col">Consumer</th>
                <th scope="col" class="num">Pending</th>
                <th scope="col" class="num" title="Since the last read or claim attempt">
                  Idle
                </th>
                <th scope="col" class="num" title="Since the last successful delivery or claim">
                  Inactive
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {consumers.data.consumers.map((c) => (
                <tr key={c.name} data-consumer={c.name}>
                  <td>{c.name}</td>
                  <td class="num">{c.pending}</td>
                  <td class="num">{duration(c.idleMs)}</td>
                  <td class="num">{duration(c.inactiveMs)}</td>
                  <td class="actions">
                    <ConfirmButton
                      label="Delete"
                      ariaLabel={`Delete consumer ${c.name}`}
                      confirmLabel={c.pending > 0 ? `Delete ${c.name} and drop its ${c.pending} pending` : `Delete ${c.name}`}
                      disabled={action.busy}
                      onConfirm={() => remove(c.name)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

const PAGE_SIZES = [25, 50, 100, 500] as const;

/** XPENDING's extended form, a page at a time by ID; the selected entries can be acknowledged or claimed. */
function Pending({ api, stream, group, version, onChange }: Props) {
  const [count, setCount] = useState(50);
  const [consumerFilter, setConsumerFilter] = useState('');
  const [start, setStart] = useState('-');
  const [earlier, setEarlier] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [claimTo, setClaimTo] = useState('');
  const action = useAction();
  const pending = useLoad(
    () =>
      call(
        api.GET('/v1/streams/{stream}/groups/{group}/pending/messages', {
          params: { path: { stream, group }, query: { start, end: '+', count, ...(consumerFilter ? { consumer: consumerFilter } : {}) } },
        }),
      ),
    `${stream}\n${group}\n${start}\n${count}\n${consumerFilter}\n${version}`,
  );
  const rows = pending.data?.messages ?? [];
  const shown = rows.filter((m) => selected.has(m.id)).map((m) => m.id);
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const done = () => {
    setSelected(new Set());
    onChange();
  };
  const ack = () =>
    void action.run(async () => {
      await call(api.POST('/v1/streams/{stream}/groups/{group}/acks', { params: { path: { stream, group } }, body: { ids: shown } }));
      done();
    });
  const claim = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await call(api.POST('/v1/streams/{stream}/groups/{group}/claims', { params: { path: { stream, group } }, body: { consumer: claimTo, minIdleMs: 0, ids: shown, justId: true } }));
      done();
    });
  };
  const filter = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setConsumerFilter(String(data.get('consumer') ?? '').trim());
    setStart('-');
    setEarlier([]);
  };
  const allShownSelected = rows.length > 0 && shown.length === rows.length;

  return (
    <Section id="pending" title="Pending entries">
      <form class="toolbar" onSubmit={filter} aria-label="Filter pending entries">
        <label for="pending-consumer">Consumer</label>
        <input id="pending-consumer" name="consumer" placeholder="any" />
        <label for="pending-count">Per page</label>
        <select id="pending-count" value={String(count)} onChange={(e) => setCount(Number(e.currentTarget.value))}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      <ProblemBanner problem={pending.problem} />
      <ProblemBanner problem={action.problem} onDismiss={action.clear} />
      {pending.data && rows.length === 0 && <p class="empty">Nothing pending{consumerFilter ? ` for ${consumerFilter}` : ''}.</p>}
      {rows.length > 0 && (
        <>
          <div class="toolbar selection" role="group" aria-label="Act on the selected entries">
            <span role="status">{shown.length} selected</span>
            <button type="button" class="primary" disabled={shown.length === 0 || action.busy} onClick={ack}>
              Acknowledge selected
            </button>
            <form class="inline" onSubmit={claim} aria-label="Claim the selected entries">
              <label for="claim-to">Claim to consumer</label>
              <input id="claim-to" required value={claimTo} onInput={(e) => setClaimTo(e.currentTarget.value)} />
              <button type="submit" disabled={shown.length === 0 || action.busy}>
                Claim selected
              </button>
            </form>
          </div>
          <div class="table-wrap">
            <table class="data" aria-label="Pending entries">
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all shown"
                      checked={allShownSelected}
                      onChange={() => setSelected(allShownSelected ? new Set() : new Set(rows.map((m) => m.id)))}
                    />
                  </th>
                  <th scope="col">ID</th>
                  <th scope="col">Consumer</th>
                  <th scope="col" class="num">
                    Idle
                  </th>
                  <th scope="col" class="num">
                    Deliveries
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr key={m.id} data-id={m.id}>
                    <td>
                      <input type="checkbox" aria-label={`Select ${m.id}`} checked={selected.has(m.id)} onChange={() => toggle(m.id)} />
                    </td>
                    <td class="mono">{m.id}</td>
                    <td>{m.consumer ?? <em>released</em>}</td>
                    <td class="num">{m.idleMs === null ? '–' : duration(m.idleMs)}</td>
                    <td class="num">{m.deliveryCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <nav class="pager" aria-label="Pending pages">
        <button
          type="button"
          disabled={earlier.length === 0}
          onClick={() => {
            setStart(earlier[earlier.length - 1] ?? '-');
            setEarlier(earlier.slice(0, -1));
          }}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={rows.length < count}
          onClick={() => {
            setEarlier([...earlier, start]);
            setStart(`(${rows[rows.length - 1]!.id}`);
          }}
        >
          Next page
        </button>
      </nav>
    </Section>
  );
}

function GroupSettings({ api, stream, group, onChange }: { api: StreamgateClient; stream: string; group: string; onChange: () => void }) {
  const [lastId, setLastId] = useState('$');
  const [entriesRead, setEntriesRead] = useState('');
  const action = useAction();
  const setId = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const body = { lastDeliveredId: lastId, ...(entriesRead.trim() !== '' ? { entriesRead: Number(entriesRead) } : {}) };
      await call(api.PATCH('/v1/streams/{stream}/groups/{group}', { params: { path: { stream, group } }, body }));
      onChange();
    });
  };
  return (
    <Section id="group-settings" title="Position and removal">
      <form class="toolbar" onSubmit={setId} aria-label="Set the last delivered ID (XGROUP SETID)">
        <label for="setid-id">Last delivered ID</label>
        <input id="setid-id" class="short mono" required value={lastId} title="$ for the stream's last ID, 0 to redeliver everything, or an ID" onInput={(e) => setLastId(e.currentTarget.value)} />
        <label for="setid-entries-read">Entries read (optional)</label>
        <input id="setid-entries-read" class="short" inputMode="numeric" pattern="[0-9]*" value={entriesRead} onInput={(e) => setEntriesRead(e.currentTarget.value)} />
        <button type="submit" disabled={action.busy}>
          Set ID
        </button>
      </form>
      <ProblemBanner problem={action.problem} onDismiss={action.clear} />
      <p>
        <ConfirmButton
          label="Destroy group"
          confirmLabel={`Destroy ${group} and its pending entries`}
          disabled={action.busy}
          onConfirm={() =>
            void action.run(async () => {
              await call(api.DELETE('/v1/streams/{stream}/groups/{group}', { params: { path: { stream, group } } }));
              navigate(paths.stream(stream));
            })
          }
        />
      </p>
    </Section>
  );
}

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { asProblem, type Problem } from './api.js';
import { navigate } from './router.js';

/** A link inside the console: a real `<a href>` (new tabs, keyboard), navigated without a reload. */
export function Link({ href, children, label }: { href: string; children: ComponentChildren; label?: string }) {
  return (
    <a
      href={href}
      aria-label={label}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

const HINTS: Partial<Record<Problem['code'], string>> = {
  UNAUTHORIZED: 'This server needs a token: enter one in the Token field at the top of the page.',
  FORBIDDEN: 'The token in use does not allow this action: the console can only do what the token allows.',
};

/** A problem answer, as the API said it: status, code and detail. */
export function ProblemBanner({ problem, onDismiss }: { problem: Problem | null; onDismiss?: () => void }) {
  if (problem === null) return null;
  const hint = HINTS[problem.code];
  return (
    <div class="problem" role="alert">
      <p>
        <strong>
          {problem.status > 0 ? `${problem.status} ` : ''}
          {problem.code}
        </strong>
        : <span class="problem-detail">{problem.detail}</span>
      </p>
      {hint && <p class="hint">{hint}</p>}
      {onDismiss && (
        <button type="button" class="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads on mount and whenever `key` changes; a newer load wins over an older one still in flight. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; problem: Problem | null; loading: boolean }>({ data: undefined, problem: null, loading: true });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loadRef.current();
      if (mine === generation.current) setState({ data, problem: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState({ data: undefined, problem: asProblem(error), loading: false });
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [key, reload]);
  return { ...state, reload };
}

/** Runs one action at a time and keeps its problem, if any, for a banner. */
export function useAction(): { busy: boolean; problem: Problem | null; clear: () => void; run: (action: () => Promise<unknown>) => Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      return true;
    } catch (error) {
      setProblem(asProblem(error));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, clear: () => setProblem(null), run };
}

/** A destructive button that asks once more, in the page (no modal dialog), before acting. */
export function ConfirmButton({ label, ariaLabel, confirmLabel, onConfirm, disabled }: { label: string; ariaLabel?: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <button type="button" class="danger" aria-label={ariaLabel} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span class="confirm">
      <button
        type="button"
        class="danger solid"
        ref={confirmRef}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export type FieldPairs = [string, string][];

/** A message's fields as a name/value table; pairs keep their order and repeated names. */
export function FieldsTable({ fields }: { fields: { [name: string]: string } | string[][] | [string, string][] | null }) {
  if (fields === null) return <em>deleted</em>;
  const pairs = Array.isArray(fields) ? fields : Object.entries(fields);
  return (
    <table class="fields">
      <tbody>
        {pairs.map(([name, value], index) => (
          <tr key={index}>
            <th scope="row">{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Field/value rows for a new message: add and remove rows; names may repeat, as in XADD. */
export function FieldRowsEditor({ rows, onChange, idPrefix }: { rows: FieldPairs; onChange: (rows: FieldPairs) => void; idPrefix: string }) {
  const update = (index: number, part: 0 | 1, value: string) => onChange(rows.map((row, i) => (i === index ? (part === 0 ? [value, row[1]] : [row[0], value]) : row)));
  return (
    <fieldset class="field-rows">
      <legend>Fields</legend>
      {rows.map(([name, value], index) => (
        <div class="field-row" key={index}>
          <label for={`${idPrefix}-name-${index}`}>Field {index + 1} name</label>
          <input id={`${idPrefix}-name-${index}`} value={name} required onInput={(e) => update(index, 0, e.currentTarget.value)} />
          <label for={`${idPrefix}-value-${index}`}>Field {index + 1} value</label>
          <input id={`${idPrefix}-value-${index}`} value={value} onInput={(e) => update(index, 1, e.currentTarget.value)} />
          <button type="button" aria-label={`Remove field ${index + 1}`} disabled={rows.length === 1} onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, ['', '']])}>
        Add field
      </button>
    </fieldset>
  );
}

export function Section({ title, id, children, actions }: { title: string; id: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <header class="card-header">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions && <div class="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

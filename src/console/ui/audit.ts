// View 4: the audit timeline — each request's user, verb, resource, answer, and RBAC's decision and reason —
// filtered by user, verb, resource and decision on the server, which pushes new entries as they are written
// (Server-Sent Events; the browser reconnects by itself and resumes after the last entry it saw).
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, errorMessage } from './api.js';
import type { TimelineEntry } from './types.js';

const keep = 1000;
/** Typing in a text filter reopens the stream only once the typing pauses this long. */
const typingPauseMs = 300;

/** `value`, once it has stayed the same for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export function AuditView() {
  const [user, setUser] = useState('');
  const [verb, setVerb] = useState('');
  const [resource, setResource] = useState('');
  const [decision, setDecision] = useState('');
  const [paused, setPaused] = useState(false);
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [error, setError] = useState('');
  const [state, setState] = useState<'connecting' | 'live' | 'paused' | 'reconnecting' | 'closed'>('connecting');
  const [missed, setMissed] = useState(0);
  const [problem, setProblem] = useState('');
  // the last event id seen for the current filter: a pause resumes after it
  const lastId = useRef('');
  // the text fields apply once typing pauses; the stream of the previous filter is closed when the next one opens
  const userFilter = useSettled(user, typingPauseMs);
  const resourceFilter = useSettled(resource, typingPauseMs);
  const filterKey = `${userFilter}\u0000${verb}\u0000${resourceFilter}\u0000${decision}`;
  const shownFilter = useRef(filterKey);

  useEffect(() => {
    if (shownFilter.current !== filterKey) {
      // a new filter starts from what the server keeps
      shownFilter.current = filterKey;
      lastId.current = '';
      setEntries([]);
      setMissed(0);
    }
    if (paused) {
      setState('paused');
      return;
    }
    setState('connecting');
    const q = new URLSearchParams({ user: userFilter, verb, resource: resourceFilter, decision });
    if (lastId.current) q.set('lastEventId', lastId.current);
    const source = new EventSource(`/console/api/audit/stream?${q.toString()}`);
    // entries arrive in bursts: render once per animation frame
    let pending: TimelineEntry[] = [];
    let frame: number | undefined;
    const flush = () => {
      frame = undefined;
      const batch = pending.reverse();
      pending = [];
      setEntries((old) => [...batch, ...old].slice(0, keep));
    };
    source.onopen = () => {
      setState('live');
      setError('');
    };
    source.addEventListener('entry', (e: MessageEvent<string>) => {
      lastId.current = e.lastEventId;
      pending.push(JSON.parse(e.data) as TimelineEntry);
      if (pending.length > keep) pending.splice(0, pending.length - keep);
      frame ??= window.requestAnimationFrame(flush);
    });
    source.addEventListener('gap', (e: MessageEvent<string>) => {
      const g = JSON.parse(e.data) as { missed: number };
      setMissed((m) => m + g.missed);
    });
    source.addEventListener('problem', (e: MessageEvent<string>) => {
      setProblem((JSON.parse(e.data) as { message: string }).message);
    });
    source.addEventListener('end', (e: MessageEvent<string>) => {
      source.close();
      setState('closed');
      setError((JSON.parse(e.data) as { message: string }).message);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CONNECTING) {
        setState('reconnecting');
        return;
      }
      // refused outright (not signed in, forbidden, no timeline here): ask once more for the server's words
      setState('closed');
      call('GET', 'audit?limit=1').then(
        () => setError('The live timeline closed; change a filter or reload to reconnect.'),
        (err: unknown) => setError(errorMessage(err)),
      );
    };
    return () => {
      source.close();
      if (frame !== undefined) window.cancelAnimationFrame(frame);
      if (pending.length > 0) flush();
    };
  }, [filterKey, paused]);

  const text = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return html`
    <section class="view" aria-label="Audit timeline">
      <div class="toolbar">
        <label>User <input name="user" value=${user} onInput=${text(setUser)} /></label>
        <label>Verb <select name="verb" value=${verb} onChange=${text(setVerb)}>
          ${['', 'get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'].map((v) => html`<option value=${v}>${v || 'any'}</option>`)}
        </select></label>
        <label>Resource <input name="resource" value=${resource} onInput=${text(setResource)} /></label>
        <label>Decision <select name="decision" value=${decision} onChange=${text(setDecision)}>
          <option value="">any</option><option value="allow">allow</option><option value="forbid">forbid</option>
        </select></label>
        <label><input type="checkbox" checked=${paused} onChange=${(e: Event) => setPaused((e.target as HTMLInputElement).checked)} /> pause</label>
        <span class="muted" data-testid="timeline-state">${state} · ${entries.length} shown</span>
      </div>
      ${missed > 0 && html`<p class="warning">${missed} entries went by while this page was not reading (the server keeps a bounded buffer).</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${problem && html`<p class="error" role="alert" data-testid="timeline-problem">No new entries: ${problem}</p>`}
      <table class="timeline" data-testid="timeline">
        <thead><tr><th>Time</th><th>User</th><th>Verb</th><th>Resource</th><th>Namespace/name</th><th>Code</th><th>Decision</th><th>Reason</th><th>User agent</th></tr></thead>
        <tbody>
          ${entries.map((t) => html`<tr key=${t.seq} class=${t.decision === 'forbid' ? 'forbid' : t.code >= 400 ? 'failed' : ''}>
            <td class="time">${t.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
            <td>${t.user}${t.impersonatedUser ? ` as ${t.impersonatedUser}` : ''}</td>
            <td>${t.verb}</td>
            <td>${t.resource || t.path}</td>
            <td>${t.namespace}${t.name ? `/${t.name}` : ''}</td>
            <td class="code">${t.code}</td>
            <td class="decision">${t.decision}</td>
            <td class="reason">${t.reason}</td>
            <td class="ua">${t.userAgent}</td>
          </tr>`)}
        </tbody>
      </table>
    </section>
  `;
}

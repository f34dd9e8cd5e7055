// View 4: the audit timeline — each request's user, verb, resource, answer, and RBAC's decision and reason —
// filtered by user, verb, resource and decision, and polled every two seconds for what is new.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, errorMessage } from './api.js';
import type { TimelineEntry } from './types.js';

const keep = 1000;
const pollMs = 2000;

export function AuditView() {
  const [user, setUser] = useState('');
  const [verb, setVerb] = useState('');
  const [resource, setResource] = useState('');
  const [decision, setDecision] = useState('');
  const [paused, setPaused] = useState(false);
  const [entries, setEntries] = useState<TimelineEntry[]>([]);
  const [error, setError] = useState('');
  const cursor = useRef(0);

  useEffect(() => {
    // a new filter starts from the beginning of what the server keeps
    cursor.current = 0;
    setEntries([]);
    let live = true;
    let timer: number | undefined;
    const poll = async () => {
      const q = new URLSearchParams({ after: String(cursor.current), user, verb, resource, decision });
      try {
        const r = await call<{ entries: TimelineEntry[]; cursor: number }>('GET', `audit?${q.toString()}`);
        if (!live) return;
        setError('');
        cursor.current = r.cursor;
        if (r.entries.length > 0) setEntries((old) => [...r.entries.slice().reverse(), ...old].slice(0, keep));
      } catch (e) {
        if (!live) return;
        setError(errorMessage(e));
      }
      if (live && !paused) timer = window.setTimeout(poll, pollMs);
    };
    void poll();
    return () => {
      live = false;
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [user, verb, resource, decision, paused]);

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
        <span class="muted">${paused ? 'paused' : 'live'} · ${entries.length} shown</span>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
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

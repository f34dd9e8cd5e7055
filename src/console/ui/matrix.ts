// View 2: the access matrix of a namespace — subjects × resources × verbs, each cell the verbs RBAC allows, computed
// on the server over the roles and bindings the signed-in person may list and the resources the cluster serves
// (discovery: built-in, CRDs, aggregated APIs).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, errorMessage } from './api.js';
import type { Matrix } from './types.js';

const short: Record<string, string> = { get: 'g', list: 'l', watch: 'w', create: 'c', update: 'u', patch: 'p', delete: 'd' };

function isSystemSubject(kind: string, subject: string): boolean {
  return subject.startsWith('system:') || (kind === 'ServiceAccount' && subject.startsWith('kube-system/'));
}

export function MatrixView(props: { namespace: string }) {
  const [matrix, setMatrix] = useState<Matrix | undefined>();
  const [error, setError] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const [onlyGranted, setOnlyGranted] = useState(true);

  useEffect(() => {
    let live = true;
    setError('');
    setMatrix(undefined);
    if (!props.namespace || props.namespace === '*') {
      setError('Choose a namespace for the access matrix.');
      return;
    }
    call<Matrix>('GET', `matrix?namespace=${encodeURIComponent(props.namespace)}`).then(
      (m) => live && setMatrix(m),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [props.namespace]);

  const rows = matrix ? matrix.rows.filter((r) => showSystem || !isSystemSubject(r.kind, r.subject)) : [];
  const resources = matrix ? matrix.resources.filter((res) => !onlyGranted || rows.some((r) => (r.cells[res] ?? []).length > 0)) : [];
  return html`
    <section class="view" aria-label="Access matrix">
      <div class="toolbar">
        <label><input type="checkbox" checked=${showSystem} onChange=${(e: Event) => setShowSystem((e.target as HTMLInputElement).checked)} /> show system subjects</label>
        <label><input type="checkbox" checked=${onlyGranted} onChange=${(e: Event) => setOnlyGranted((e.target as HTMLInputElement).checked)} /> only resources someone may use</label>
        <span class="muted">Letters: ${Object.entries(short).map(([v, s]) => `${s}=${v}`).join(' ')}</span>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${matrix?.forbidden.map((f) => html`<p class="warning">Not counted (forbidden): ${f}</p>`)}
      ${matrix?.truncated && html`<p class="warning">The cluster serves more resources or this namespace has more subjects than the matrix shows; some are left out.</p>`}
      ${matrix && html`
        <div class="matrix-scroll">
          <table class="matrix" data-testid="matrix">
            <thead><tr><th>Subject</th>${resources.map((r) => html`<th class="res"><span>${r}</span></th>`)}</tr></thead>
            <tbody>
              ${rows.map((row) => html`<tr>
                <th class="subject" title=${row.kind}>${row.kind === 'ServiceAccount' ? 'SA' : row.kind} ${row.subject}</th>
                ${resources.map((res) => {
                  const verbs = row.cells[res] ?? [];
                  const all = (matrix.resourceVerbs[res] ?? matrix.verbs).every((v) => verbs.includes(v));
                  return html`<td class=${all ? 'all' : verbs.length ? 'some' : 'none'} title=${verbs.join(', ')} data-resource=${res}>${all ? 'all' : verbs.map((v) => short[v] ?? v).join('')}</td>`;
                })}
              </tr>`)}
            </tbody>
          </table>
        </div>
        ${rows.length === 0 && html`<p class="muted">No subject is granted anything here${showSystem ? '' : ' (system subjects hidden)'}.</p>`}
      `}
    </section>
  `;
}

// View 3: "why" for a subject and a request — the server's answer (a SubjectAccessReview) and, when no, the same
// explanation and fix commands as `a-kubectl auth can-i --explain` (shared code in src/auth/analysis).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, errorMessage } from './api.js';
import type { WhyAnswer } from './types.js';

type SubjectKind = 'ServiceAccount' | 'User' | 'Group';

export function WhyView(props: { namespace: string }) {
  const ns = props.namespace === '*' ? '' : props.namespace;
  const [kind, setKind] = useState<SubjectKind>('ServiceAccount');
  const [subject, setSubject] = useState('');
  const [subjectNs, setSubjectNs] = useState(ns);
  const [groups, setGroups] = useState('');
  const [verb, setVerb] = useState('list');
  const [resource, setResource] = useState('pods');
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState(ns);
  const [answer, setAnswer] = useState<WhyAnswer | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setAnswer(undefined);
    const extra = groups.split(',').map((g) => g.trim()).filter(Boolean);
    let user = subject.trim();
    let allGroups = extra;
    if (kind === 'ServiceAccount') {
      user = `system:serviceaccount:${subjectNs.trim()}:${subject.trim()}`;
      allGroups = ['system:serviceaccounts', `system:serviceaccounts:${subjectNs.trim()}`, 'system:authenticated', ...extra];
    } else if (kind === 'User') allGroups = ['system:authenticated', ...extra];
    else {
      user = '';
      allGroups = [subject.trim(), ...extra];
    }
    const isUrl = resource.trim().startsWith('/');
    try {
      setAnswer(await call<WhyAnswer>('POST', 'why', { user, groups: allGroups, verb: verb.trim(), resource: isUrl ? '' : resource.trim(), path: isUrl ? resource.trim() : '', name: name.trim(), namespace: isUrl ? '' : namespace.trim() }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const text = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return html`
    <section class="view" aria-label="Why">
      <form class="why-form" onSubmit=${submit}>
        <fieldset>
          <legend>Subject</legend>
          <label>Kind <select value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value as SubjectKind)}>
            <option value="ServiceAccount">ServiceAccount</option><option value="User">User</option><option value="Group">Group</option>
          </select></label>
          <label>Name <input name="subject" value=${subject} onInput=${text(setSubject)} required /></label>
          ${kind === 'ServiceAccount' && html`<label>Namespace <input name="subject-namespace" value=${subjectNs} onInput=${text(setSubjectNs)} required /></label>`}
          <label>More groups <input name="groups" value=${groups} onInput=${text(setGroups)} placeholder="comma-separated" /></label>
        </fieldset>
        <fieldset>
          <legend>Request</legend>
          <label>Verb <input name="verb" value=${verb} onInput=${text(setVerb)} required /></label>
          <label>Resource or /url <input name="resource" value=${resource} onInput=${text(setResource)} placeholder="pods, deployments.apps, pods/log, /healthz" required /></label>
          <label>Name <input name="name" value=${name} onInput=${text(setName)} placeholder="(any)" /></label>
          <label>Namespace <input name="namespace" value=${namespace} onInput=${text(setNamespace)} placeholder="(cluster-wide)" /></label>
        </fieldset>
        <button type="submit" disabled=${busy}>Why?</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${answer && html`
        <div class="why-answer" data-testid="why-answer">
          <p class=${answer.allowed ? 'yes' : 'no'}><strong>${answer.allowed ? 'yes' : 'no'}</strong>${answer.reason ? ` - ${answer.reason}` : ''}${answer.evaluationError ? ` - ${answer.evaluationError}` : ''}</p>
          ${answer.explanation && html`<pre class="explanation">${answer.explanation}</pre>`}
          ${answer.fix.length > 0 && html`<h3>Fix</h3><pre class="fix" data-testid="why-fix">${answer.fix.join('\n')}</pre>`}
        </div>
      `}
    </section>
  `;
}

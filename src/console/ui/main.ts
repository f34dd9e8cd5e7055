// The console's page: sign-in (a bearer token, or the client certificate the browser presents when the API server
// serves the console), then four views over what the signed-in person may see. Everything is rendered through
// preact, which sets text, never HTML.
import { render } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, errorMessage, setCsrfToken, type SessionState, type UserView } from './api.js';
import { AuditView } from './audit.js';
import { GraphView } from './graph.js';
import { MatrixView } from './matrix.js';
import { WhyView } from './why.js';

type Tab = 'graph' | 'matrix' | 'why' | 'audit';
const tabs: [Tab, string][] = [['graph', 'Graph'], ['matrix', 'Access matrix'], ['why', 'Why'], ['audit', 'Audit timeline']];

function SignIn(props: { certificate: boolean; onSignedIn: (s: SessionState) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const signIn = async (body: unknown) => {
    setError('');
    try {
      props.onSignedIn(await call<SessionState>('POST', 'login', body));
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return html`
    <main class="signin">
      <h1>a-kube console</h1>
      <p>Sign in as yourself: the console asks the API server with your credential, so you see what RBAC lets you see.</p>
      <form onSubmit=${(e: Event) => { e.preventDefault(); void signIn({ token }); }}>
        <label for="token">Bearer token</label>
        <textarea id="token" name="token" rows="4" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLTextAreaElement).value)} placeholder="a-kubectl create token NAME -n NAMESPACE" autocomplete="off"></textarea>
        <button type="submit">Sign in with token</button>
      </form>
      ${props.certificate && html`<p><button type="button" id="use-certificate" onClick=${() => void signIn({ certificate: true })}>Sign in with my client certificate</button></p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </main>
  `;
}

function Console(props: { user: UserView; onSignedOut: () => void }) {
  const [tab, setTab] = useState<Tab>(() => {
    const h = location.hash.slice(1);
    return tabs.some(([t]) => t === h) ? (h as Tab) : 'graph';
  });
  const [namespaces, setNamespaces] = useState<string[] | undefined>();
  const [namespace, setNamespace] = useState('default');
  const [nsError, setNsError] = useState('');
  useEffect(() => {
    call<{ namespaces: string[] }>('GET', 'namespaces').then(
      (r) => setNamespaces(r.namespaces),
      (e: unknown) => setNsError(errorMessage(e)),
    );
  }, []);
  const choose = (t: Tab) => {
    setTab(t);
    history.replaceState(null, '', `#${t}`);
  };
  const signOut = async () => {
    await call('POST', 'logout').catch(() => undefined);
    setCsrfToken('');
    props.onSignedOut();
  };
  return html`
    <header class="top">
      <strong>a-kube console</strong>
      <nav>${tabs.map(([t, label]) => html`<button type="button" class=${t === tab ? 'tab active' : 'tab'} aria-current=${t === tab ? 'page' : undefined} onClick=${() => choose(t)}>${label}</button>`)}</nav>
      <label class="ns">Namespace
        ${namespaces
          ? html`<select value=${namespace} onChange=${(e: Event) => setNamespace((e.target as HTMLSelectElement).value)}>
              ${tab !== 'matrix' && html`<option value="*">(all)</option>`}
              ${namespaces.map((n) => html`<option value=${n}>${n}</option>`)}
            </select>`
          : html`<input value=${namespace} onChange=${(e: Event) => setNamespace((e.target as HTMLInputElement).value)} title=${nsError} />`}
      </label>
      <span class="who" data-testid="who">${props.user.name}</span>
      <button type="button" onClick=${signOut}>Sign out</button>
    </header>
    <main>
      ${tab === 'graph' && html`<${GraphView} namespace=${namespace} />`}
      ${tab === 'matrix' && html`<${MatrixView} namespace=${namespace === '*' ? 'default' : namespace} />`}
      ${tab === 'why' && html`<${WhyView} namespace=${namespace} />`}
      ${tab === 'audit' && html`<${AuditView} />`}
    </main>
  `;
}

function App() {
  const [session, setSession] = useState<SessionState | undefined>();
  const [error, setError] = useState('');
  const load = () =>
    call<SessionState>('GET', 'session').then(
      (s) => {
        if (s.signedIn) setCsrfToken(s.csrfToken);
        setSession(s);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  useEffect(() => void load(), []);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!session) return html`<p class="muted">Loading…</p>`;
  if (!session.signedIn)
    return html`<${SignIn} certificate=${session.certificate === true} onSignedIn=${(s: SessionState) => {
      if (s.signedIn) setCsrfToken(s.csrfToken);
      setSession(s);
    }} />`;
  return html`<${Console} user=${session.user} onSignedOut=${() => void load()} />`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);

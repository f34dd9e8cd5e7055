// The web console in a real browser: headless Chromium (Debian's, driven by playwright-core) against `a-kube up
// --runtime fake`. People sign in with the seed's service-account token and with the admin's client certificate;
// the test reads what the page shows — the graph, the matrix (a CRD's resource among its columns), "why" with its
// fix, the audit timeline pushed live over an event stream — and writes screenshots to a temporary directory
// (printed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { akubectl, entry, kubectl, hasKubectl, repoRoot, startCluster, type Cluster } from './harness.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';
const skip = !existsSync(chromiumPath) ? 'Debian chromium is not installed (scripts/install-deps.sh --for-tests installs it)' : !hasKubectl ? 'kubectl is not on the PATH' : false;
const xss = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

let cluster: Cluster;
let browser: Browser;
let saToken = '';
let shots = '';
const cspViolations: string[] = [];
const pageErrors: string[] = [];

/** One request to the API server as the service account, with a chosen User-Agent. */
function asServiceAccount(path: string, userAgent: string): Promise<number> {
  const url = new URL(path, cluster.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: 'GET', ca: readFileSync(join(cluster.dataDir, 'pki/ca.crt')), headers: { authorization: `Bearer ${saToken}`, 'user-agent': userAgent, accept: 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function newPage(opts: { certificate?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1500, height: 950 },
    ...(opts.certificate ? { clientCertificates: [{ origin: cluster.url, certPath: join(cluster.dataDir, 'pki/admin.crt'), keyPath: join(cluster.dataDir, 'pki/admin.key') }] } : {}),
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${cluster.url}/console/`);
  return { context, page };
}

async function signInWithToken(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('text=Sign in with token');
  await page.waitForSelector('[data-testid=who]');
}

async function tab(page: Page, name: string): Promise<void> {
  await page.click(`header nav button:has-text("${name}")`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  if (skip) return;
  shots = mkdtempSync(join(tmpdir(), 'akube-console-shots-'));
  process.stdout.write(`# console screenshots in ${shots}\n`);
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 90_000 });
  for (const args of [['create', 'namespace', 'ns-1'], ['create', 'serviceaccount', 'k-sa-1', '--namespace=ns-1']]) {
    const r = kubectl(cluster, args);
    assert.equal(r.status, 0, r.stderr);
  }
  const token = kubectl(cluster, ['create', 'token', 'k-sa-1', '--namespace=ns-1']);
  assert.equal(token.status, 0, token.stderr);
  saToken = token.stdout.trim();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

after(async () => {
  await browser?.close();
  await cluster?.cleanup();
});

test('the seed: a service account without rights sees 403 messages, not data', { skip }, async () => {
  assert.equal(await asServiceAccount('/api/v1/namespaces/ns-1/pods', `seed-before ${xss}`), 403);
  const { context, page } = await newPage();
  await signInWithToken(page, saToken);
  assert.equal(await page.locator('[data-testid=who]').innerText(), 'system:serviceaccount:ns-1:k-sa-1');
  const error = page.locator('.view .error');
  await error.waitFor();
  // One line per list the person may not read, in the order the four answers arrived.
  let refused = await error.innerText();
  for (const end = Date.now() + 10_000; refused.split('\n').filter(Boolean).length < 4 && Date.now() < end; await page.waitForTimeout(200)) refused = await error.innerText();
  assert.match(refused, /^Forbidden: /);
  for (const resource of ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']) {
    assert.match(refused, new RegExp(`${resource}\\.rbac\\.authorization\\.k8s\\.io is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "${resource}"`));
  }
  assert.equal(await page.locator('[data-testid=graph-nodes] li').count(), 0);
  await tab(page, 'Audit timeline');
  await page.locator('.view .error').waitFor();
  assert.match(await page.locator('.view .error').innerText(), /cannot get path "\/console\/api\/audit"/);
  assert.equal(await page.locator('[data-testid=timeline] tbody tr').count(), 0);
  await shot(page, '1-service-account-forbidden');
  await context.close();
});

test('the admin (client certificate): the graph shows k-sa-1 → pod-lister-binding → pod-lister → its rule once the binding exists', { skip }, async () => {
  const { context, page } = await newPage({ certificate: true });
  await page.click('#use-certificate');
  await page.waitForSelector('[data-testid=who]');
  assert.equal(await page.locator('[data-testid=who]').innerText(), 'kubernetes-admin');
  await page.selectOption('header select', 'ns-1');
  await page.fill('input[type=search]', 'k-sa-1');
  assert.equal(await page.locator('[data-testid=graph-nodes] li').count(), 0, 'no binding for k-sa-1 yet');
  for (const args of [
    ['create', 'role', 'pod-lister', '--verb=list', '--resource=pods', '-n', 'ns-1'],
    ['create', 'rolebinding', 'pod-lister-binding', '--role=pod-lister', '--serviceaccount=ns-1:k-sa-1', '-n', 'ns-1'],
  ]) {
    const r = kubectl(cluster, args);
    assert.equal(r.status, 0, r.stderr);
  }
  await page.click('text=Reload');
  const nodes = page.locator('[data-testid=graph-nodes] li');
  await nodes.first().waitFor({ state: 'attached' });
  assert.deepEqual(await nodes.allTextContents(), ['RoleBinding ns-1/pod-lister-binding', 'ServiceAccount ns-1/k-sa-1', 'Role ns-1/pod-lister', '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}']);
  assert.equal(await page.locator('[data-testid=graph] canvas').count() > 0, true, 'cytoscape drew the graph');
  await page.click('.node-list summary');
  await page.click('[data-testid=graph-nodes] li.role a');
  assert.match(await page.locator('.details').innerText(), /roleRef|rules\s+1/);
  await shot(page, '2-graph-admin');

  await tab(page, 'Access matrix');
  const row = page.locator('[data-testid=matrix] tbody tr', { hasText: 'ns-1/k-sa-1' });
  await row.waitFor();
  assert.equal(await row.locator('td[data-resource=pods]').innerText(), 'l');
  assert.equal(await row.locator('td[data-resource="deployments.apps"]').count(), 0, 'resources nobody may use are hidden');
  await shot(page, '3-matrix');
  await context.close();
});

test('the access matrix follows discovery: a CustomResourceDefinition\'s resource and subresource are columns', { skip }, async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  // a rule over the whole group: no fixed list and no resource named in a rule can put widgets in the matrix
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'example-editor', namespace: 'ns-1' }, rules: [{ apiGroups: ['example.com'], resources: ['*'], verbs: ['get', 'list', 'update'] }] };
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'example-editor', namespace: 'ns-1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'example-editor' }, subjects: [{ kind: 'User', name: 'widget-wrangler', apiGroup: 'rbac.authorization.k8s.io' }] };
  for (const o of [crd, role, binding]) {
    const r = kubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify(o) });
    assert.equal(r.status, 0, r.stderr);
  }
  const established = kubectl(cluster, ['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=60s']);
  assert.equal(established.status, 0, established.stderr);
  const { context, page } = await newPage({ certificate: true });
  await page.click('#use-certificate');
  await page.waitForSelector('[data-testid=who]');
  await page.selectOption('header select', 'ns-1');
  await tab(page, 'Access matrix');
  const row = page.locator('[data-testid=matrix] tbody tr', { hasText: 'widget-wrangler' });
  await row.waitFor();
  assert.equal(await row.locator('td[data-resource="widgets.example.com"]').innerText(), 'glu');
  assert.equal(await row.locator('td[data-resource="widgets.example.com/status"]').innerText(), 'gu');
  const headers = await page.locator('[data-testid=matrix] thead th.res').allInnerTexts();
  assert.ok(headers.includes('widgets.example.com') && headers.includes('widgets.example.com/status'), headers.join(' '));
  await shot(page, '3b-matrix-crd');
  await context.close();
});

test('why: the console gives the same answer and fix as a-kubectl auth can-i --explain, and the fix works', { skip }, async () => {
  const cli = akubectl(cluster, ['auth', 'can-i', 'get', 'pods', '--namespace=ns-1', '--as=system:serviceaccount:ns-1:k-sa-1', '--explain']);
  assert.equal(cli.status, 1, cli.stderr);
  const { context, page } = await newPage({ certificate: true });
  await page.click('#use-certificate');
  await page.waitForSelector('[data-testid=who]');
  await page.selectOption('header select', 'ns-1');
  await tab(page, 'Why');
  await page.fill('input[name=subject]', 'k-sa-1');
  await page.fill('input[name=subject-namespace]', 'ns-1');
  await page.fill('input[name=verb]', 'get');
  await page.fill('input[name=resource]', 'pods');
  await page.fill('input[name=namespace]', 'ns-1');
  await page.click('button:has-text("Why?")');
  const answer = page.locator('[data-testid=why-answer]');
  await answer.waitFor();
  const first = (await answer.locator('p').first().innerText()).trim();
  assert.equal(`${first}\n${await answer.locator('pre.explanation').innerText()}`.trimEnd(), cli.stdout.trimEnd());
  const fix = (await page.locator('[data-testid=why-fix]').innerText()).split('\n');
  assert.deepEqual(fix, ['a-kubectl create role pod-getter --verb=get --resource=pods --namespace=ns-1', 'a-kubectl create rolebinding pod-getter-binding --role=pod-getter --serviceaccount=ns-1:k-sa-1 --namespace=ns-1']);
  await shot(page, '4-why-no');
  for (const line of fix) {
    const r = akubectl(cluster, line.split(' ').slice(1));
    assert.equal(r.status, 0, `${line}: ${r.stderr}`);
  }
  await page.click('button:has-text("Why?")');
  await page.locator('[data-testid=why-answer] p.yes').waitFor();
  assert.equal(await page.locator('[data-testid=why-answer] p').first().innerText(), 'yes - RBAC: allowed by RoleBinding "pod-getter-binding/ns-1" of Role "pod-getter" to ServiceAccount "k-sa-1/ns-1"');
  await context.close();
});

test('the audit timeline: the seed\'s 403 then 200 with RBAC\'s reasons, live, filterable, and a hostile user agent shown as text', { skip }, async () => {
  assert.equal(await asServiceAccount('/api/v1/namespaces/ns-1/pods', `seed-after ${xss}`), 200);
  const { context, page } = await newPage({ certificate: true });
  const polls: string[] = [];
  const streams: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/console/api/audit') polls.push(r.url());
    if (path === '/console/api/audit/stream') streams.push(r.url());
  });
  await page.click('#use-certificate');
  await page.waitForSelector('[data-testid=who]');
  await tab(page, 'Audit timeline');
  await page.locator('[data-testid=timeline-state]', { hasText: 'live' }).waitFor();
  const before = streams.length;
  // typing opens one stream for what was typed, not one per key
  await page.locator('input[name=user]').pressSequentially('k-sa-1');
  const userOf = (url: string | undefined) => (url ? new URL(url).searchParams.get('user') : null);
  for (const end = Date.now() + 30_000; Date.now() < end && userOf(streams.at(-1)) !== 'k-sa-1'; ) await page.waitForTimeout(100);
  const typed = streams.slice(before);
  assert.ok(typed.length >= 1 && typed.length <= 2, typed.join('\n'));
  assert.equal(userOf(typed.at(-1)), 'k-sa-1');
  await page.fill('input[name=resource]', 'pods');
  // the resource filter applies on the server: every row shown becomes one about pods (k-sa-1's discovery, access
  // reviews and the console's own lists as k-sa-1 go)
  const resourceCells = page.locator('[data-testid=timeline] tbody tr td:nth-child(4)');
  let shown: string[] = [];
  for (const end = Date.now() + 30_000; Date.now() < end; await page.waitForTimeout(250)) {
    shown = await resourceCells.allInnerTexts();
    if (shown.length > 0 && shown.every((r) => r.includes('pods'))) break;
  }
  assert.ok(shown.length > 0 && shown.every((r) => r.includes('pods')), shown.join(', '));
  const rows = page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-' });
  await rows.nth(1).waitFor();
  // The timeline re-renders on every poll: read the rows again until a settled table shows both.
  let texts: string[] = [];
  for (const end = Date.now() + 30_000; Date.now() < end; await page.waitForTimeout(250)) {
    texts = await rows.allInnerTexts();
    if (texts.length === 2) break;
  }
  // newest first: the 200 after the binding, then the 403 before it
  assert.equal(texts.length, 2, texts.join('\n'));
  assert.match(texts[0]!, /system:serviceaccount:ns-1:k-sa-1\s+list\s+pods\s+ns-1\s+200\s+allow\s+RBAC: allowed by RoleBinding "pod-lister-binding\/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1\/ns-1"/);
  assert.match(texts[1]!, /system:serviceaccount:ns-1:k-sa-1\s+list\s+pods\s+ns-1\s+403\s+forbid\s*\s/);
  // the user agent is text: the markup is shown, not run
  assert.equal(await rows.nth(0).locator('td.ua').innerText(), `seed-after ${xss}`);
  assert.equal(await page.locator('[data-testid=timeline] script, [data-testid=timeline] img').count(), 0);
  assert.equal(await page.evaluate("window.__xss"), undefined);
  await shot(page, '5-audit-timeline');
  // live: a new request appears without reloading, pushed by the server over the open event stream
  await page.locator('[data-testid=timeline-state]', { hasText: 'live' }).waitFor();
  await page.evaluate('window.__samePage = true');
  assert.equal(await asServiceAccount('/api/v1/namespaces/ns-1/pods?live=1', 'seed-live-check'), 200);
  await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-live-check' }).waitFor({ timeout: 45_000 });
  assert.equal(await page.evaluate('window.__samePage'), true, 'no reload');
  assert.deepEqual(polls, [], 'no polling: entries come over /console/api/audit/stream');
  // a dropped connection resumes after the last entry seen (Last-Event-ID): nothing twice, nothing lost
  const pause = page.locator('label', { hasText: 'pause' }).locator('input[type=checkbox]');
  await pause.check();
  await page.locator('[data-testid=timeline-state]', { hasText: 'paused' }).waitFor();
  assert.equal(await asServiceAccount('/api/v1/namespaces/ns-1/pods?live=2', 'seed-while-paused'), 200);
  await pause.uncheck();
  await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-while-paused' }).waitFor({ timeout: 45_000 });
  assert.equal(await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-live-check' }).count(), 1);
  // filter by decision
  // (the rows shown before the filter stay until the filtered stream answers: wait for the allowed ones to go)
  await page.selectOption('select[name=decision]', 'forbid');
  await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-after' }).first().waitFor({ state: 'detached', timeout: 30_000 });
  await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-before' }).first().waitFor();
  await context.close();
});

test('the audit timeline rule: get on /console/api/audit lets the service account read it', { skip }, async () => {
  for (const args of [
    ['create', 'clusterrole', 'audit-reader', '--verb=get', '--non-resource-url=/console/api/audit'],
    ['create', 'clusterrolebinding', 'audit-reader', '--clusterrole=audit-reader', '--serviceaccount=ns-1:k-sa-1'],
  ]) {
    const r = kubectl(cluster, args);
    assert.equal(r.status, 0, r.stderr);
  }
  const { context, page } = await newPage();
  await signInWithToken(page, saToken);
  await tab(page, 'Audit timeline');
  await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-before' }).first().waitFor();
  await context.close();
});

/** `a-kube console` for the cluster's admin kubeconfig, its timeline read from `logPath`; resolves with its URL. */
async function startConsole(logPath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...entry('a-kube'), 'console', '--kubeconfig', cluster.kubeconfig, '--port', '0', '--audit-log-path', logPath], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`a-kube console did not start:\n${out}`)), 60_000);
      const onData = (c: Buffer) => {
        out += c.toString();
        const m = /at (https:\/\/\S+\/console\/)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => reject(new Error(`a-kube console exited (${code}):\n${out}`)));
    });
    return { url, child };
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
}

test('a-kube console --kubeconfig ADMIN: the signed-in token is used, never the admin certificate of the kubeconfig', { skip }, async () => {
  const { url, child } = await startConsole(join(cluster.dataDir, 'audit.log'));
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1500, height: 950 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    assert.equal(await page.locator('#use-certificate').count(), 0, 'no certificate sign-in away from the API server');
    await signInWithToken(page, saToken);
    assert.equal(await page.locator('[data-testid=who]').innerText(), 'system:serviceaccount:ns-1:k-sa-1');
    await page.locator('.view .error').waitFor();
    assert.match(await page.locator('.view .error').innerText(), /User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "clusterroles"/);
    // the audit-reader binding of the previous test lets it read the timeline from the log file
    await tab(page, 'Audit timeline');
    await page.fill('input[name=user]', 'k-sa-1');
    await page.fill('input[name=resource]', 'pods');
    await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-before' }).first().waitFor({ timeout: 45_000 });
    // the console tails the log file the server writes: a new request shows up without a reload
    await page.locator('[data-testid=timeline-state]', { hasText: 'live' }).waitFor();
    assert.equal(await asServiceAccount('/api/v1/namespaces/ns-1/pods?tail=1', 'seed-from-the-log-file'), 200);
    await page.locator('[data-testid=timeline] tbody tr', { hasText: 'seed-from-the-log-file' }).waitFor({ timeout: 45_000 });
    await shot(page, '6-standalone-console');
    await context.close();
  } finally {
    child.kill('SIGTERM');
  }
});

test('a-kube console: a log file it cannot read is said on the timeline until reading works again', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-console-log-'));
  const logPath = join(dir, 'audit.log');
  copyFileSync(join(cluster.dataDir, 'audit.log'), logPath);
  const { url, child } = await startConsole(logPath);
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1500, height: 950 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await signInWithToken(page, saToken);
    await tab(page, 'Audit timeline');
    await page.locator('[data-testid=timeline-state]', { hasText: 'live' }).waitFor();
    assert.equal(await page.locator('[data-testid=timeline-problem]').count(), 0, 'no problem while the file reads');
    // the file turns into a directory: the console's reads of it fail
    rmSync(logPath);
    mkdirSync(logPath);
    const problem = page.locator('[data-testid=timeline-problem]');
    await problem.waitFor({ timeout: 30_000 });
    assert.match(await problem.innerText(), /^No new entries: cannot read the audit log .*audit\.log: EISDIR/);
    await shot(page, '7-timeline-problem');
    rmdirSync(logPath);
    copyFileSync(join(cluster.dataDir, 'audit.log'), logPath);
    await problem.waitFor({ state: 'detached', timeout: 30_000 });
    await context.close();
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no page broke the Content-Security-Policy or threw', { skip }, () => {
  assert.deepEqual(cspViolations, []);
  assert.deepEqual(pageErrors, []);
});

// View 1: subject → binding → role → rules, laid out left to right by dagre, filtered by namespace, a search text
// and whether the bootstrap policy's system bindings are shown. Labels are drawn on a canvas by cytoscape; the
// same nodes are listed as text below the graph (and the selected node's details), rendered through preact.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call, errorMessage } from './api.js';
import type { GraphBinding, GraphData, GraphRole, Subject } from './types.js';

cytoscape.use(dagre);

export type NodeKind = 'subject' | 'binding' | 'role' | 'rule';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** Shown in the details panel. */
  details: [string, string][];
}

export interface GraphEdge {
  source: string;
  target: string;
}

function subjectLabel(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace || bindingNamespace}/${s.name}` : `${s.kind} ${s.name}`;
}

function isSystem(b: GraphBinding): boolean {
  return b.name.startsWith('system:') || b.labels['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}

function labelRows(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).map(([k, v]) => [`label ${k}`, v]);
}

/** The nodes and edges for the bindings that pass the filters. */
export function buildGraph(data: GraphData, search: string, showSystem: boolean): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const q = search.trim().toLowerCase();
  const roleOf = (b: GraphBinding): GraphRole | undefined =>
    data.roles.find((r) => r.kind === b.roleRef.kind && r.name === b.roleRef.name && (r.kind === 'ClusterRole' || r.namespace === b.namespace));
  for (const b of data.bindings) {
    if (!showSystem && isSystem(b)) continue;
    const role = roleOf(b);
    const texts = [b.name, b.roleRef.name, ...b.subjects.map((s) => subjectLabel(s, b.namespace)), ...Object.values(b.labels), ...Object.values(role?.labels ?? {}), ...(role?.rules.map((r) => r.text) ?? [])];
    if (q && !texts.some((t) => t.toLowerCase().includes(q))) continue;
    const bid = `b|${b.kind}|${b.namespace}|${b.name}`;
    nodes.set(bid, { id: bid, kind: 'binding', label: `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}`, details: [['kind', b.kind], ['name', b.name], ...(b.namespace ? [['namespace', b.namespace] as [string, string]] : []), ['roleRef', `${b.roleRef.kind}/${b.roleRef.name}`], ...labelRows(b.labels)] });
    for (const s of b.subjects) {
      const label = subjectLabel(s, b.namespace);
      const sid = `s|${label}`;
      if (!nodes.has(sid)) nodes.set(sid, { id: sid, kind: 'subject', label, details: [['kind', s.kind], ['name', s.name], ...(s.kind === 'ServiceAccount' ? [['namespace', s.namespace || b.namespace] as [string, string]] : [])] });
      edges.push({ source: sid, target: bid });
    }
    const rid = `r|${b.roleRef.kind}|${b.roleRef.kind === 'Role' ? b.namespace : ''}|${b.roleRef.name}`;
    if (!nodes.has(rid)) {
      nodes.set(rid, {
        id: rid,
        kind: 'role',
        label: `${b.roleRef.kind} ${b.roleRef.kind === 'Role' ? `${b.namespace}/` : ''}${b.roleRef.name}${role ? '' : ' (missing)'}`,
        details: [['kind', b.roleRef.kind], ['name', b.roleRef.name], ['rules', String(role?.rules.length ?? 0)], ...labelRows(role?.labels ?? {})],
      });
      role?.rules.forEach((r, i) => {
        const ruleId = `${rid}|${i}`;
        nodes.set(ruleId, { id: ruleId, kind: 'rule', label: r.text, details: [['rule', r.text]] });
        edges.push({ source: rid, target: ruleId });
      });
    }
    edges.push({ source: bid, target: rid });
  }
  return { nodes: [...nodes.values()], edges };
}

const style: cytoscape.StylesheetStyle[] = [
  { selector: 'node', style: { label: 'data(label)', 'font-size': 11, 'text-valign': 'center', 'text-halign': 'center', shape: 'round-rectangle', width: 'label', height: 24, padding: '6px', 'text-wrap': 'none', color: '#111' } },
  { selector: 'node.subject', style: { 'background-color': '#cfe3ff', 'border-color': '#3b73c4', 'border-width': 1 } },
  { selector: 'node.binding', style: { 'background-color': '#ffe7c2', 'border-color': '#c48a2f', 'border-width': 1 } },
  { selector: 'node.role', style: { 'background-color': '#d8f2d0', 'border-color': '#4a9a37', 'border-width': 1 } },
  { selector: 'node.rule', style: { 'background-color': '#f1f1f1', 'border-color': '#999', 'border-width': 1, 'font-family': 'monospace', 'font-size': 10 } },
  { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#d02020' } },
  { selector: 'edge', style: { width: 1.5, 'line-color': '#999', 'target-arrow-color': '#999', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier' } },
];

export function GraphView(props: { namespace: string }) {
  const [data, setData] = useState<GraphData | undefined>();
  const [error, setError] = useState('');
  const [search, setSearch] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const [selected, setSelected] = useState<GraphNode | undefined>();
  const [reload, setReload] = useState(0);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    setError('');
    call<GraphData>('GET', `graph?namespace=${encodeURIComponent(props.namespace)}`).then(
      (d) => live && setData(d),
      (e: unknown) => {
        if (!live) return;
        setData(undefined);
        setError(errorMessage(e));
      },
    );
    return () => {
      live = false;
    };
  }, [props.namespace, reload]);

  const graph = useMemo(() => (data ? buildGraph(data, search, showSystem) : { nodes: [], edges: [] }), [data, search, showSystem]);

  useEffect(() => {
    if (!box.current || graph.nodes.length === 0) return;
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const cy = cytoscape({
      container: box.current,
      elements: [
        ...graph.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, label: n.label }, classes: n.kind })),
        ...graph.edges.map((e, i) => ({ group: 'edges' as const, data: { id: `e${i}`, source: e.source, target: e.target } })),
      ],
      style,
      layout: { name: 'dagre', rankDir: 'LR', nodeSep: 8, rankSep: 60 } as cytoscape.LayoutOptions,
      wheelSensitivity: 0.3,
    });
    cy.on('tap', 'node', (ev) => setSelected(byId.get(String(ev.target.id()))));
    return () => cy.destroy();
  }, [graph]);

  return html`
    <section class="view" aria-label="RBAC graph">
      <div class="toolbar">
        <label>Search <input type="search" value=${search} onInput=${(e: Event) => setSearch((e.target as HTMLInputElement).value)} placeholder="subject, binding, role, rule, label" /></label>
        <label><input type="checkbox" checked=${showSystem} onChange=${(e: Event) => setShowSystem((e.target as HTMLInputElement).checked)} /> show system bindings</label>
        <button type="button" onClick=${() => setReload(reload + 1)}>Reload</button>
        <span class="muted">${graph.nodes.filter((n) => n.kind === 'subject').length} subjects, ${graph.nodes.filter((n) => n.kind === 'binding').length} bindings</span>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${data?.forbidden.map((f) => html`<p class="warning">Not shown (forbidden): ${f}</p>`)}
      <div class="graph-and-details">
        <div class="graph" ref=${box} data-testid="graph"></div>
        <aside class="details">
          ${selected
            ? html`<h3>${selected.label}</h3><table>${selected.details.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>`
            : html`<p class="muted">Click a node for its details.</p>`}
        </aside>
      </div>
      ${data && graph.nodes.length === 0 && !error && html`<p class="muted">No binding matches.</p>`}
      <details class="node-list">
        <summary>Nodes as text (${graph.nodes.length})</summary>
        <ul data-testid="graph-nodes">
          ${graph.nodes.map((n) => html`<li class=${n.kind}><a href="#" onClick=${(e: Event) => { e.preventDefault(); setSelected(n); }}>${n.label}</a></li>`)}
        </ul>
      </details>
    </section>
  `;
}

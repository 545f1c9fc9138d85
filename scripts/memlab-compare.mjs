// Scores MemLab's output on the leak scenarios (see scripts/memlab-compare.sh, which runs MemLab
// and then this). For each scenario and each MemLab check it reads the raw output, lists the
// results in MemLab's order, and decides which of them name the scenario's true holder, with the
// same criterion the leak report is held to (tests/fixtures/leaks/README.md):
//   * unbound-object / unbound-collection print one node per line (`· NAME [type](@ID): a > b > c`).
//     A result names the holder when one of the node's retaining edges in the last snapshot
//     (weak edges excluded) is in `accept_edges`, or when one of `accept_path_contains` lies on
//     its shortest path from the root (breadth-first over non-weak edges, DevTools' distance).
//   * find-leaks prints leak-trace clusters (root -> ... -> leaked object). A cluster names the
//     holder when one of the trace's edge names is in `accept_edges` or `accept_path_contains`.
// Rank: 1 = MemLab's first result, 2-3 = among its first three, "absent" otherwise.
// usage: node scripts/memlab-compare.mjs [--md] WORK_DIR SCENARIO_DIR...
//        (prints JSON, or with --md a Markdown table, to stdout)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const args = process.argv.slice(2);
const markdown = args[0] === '--md';
if (markdown) args.shift();
const [workDir, ...scenarioDirs] = args;

// The four corpus cases predate scenario.json; their holders, from their sources.
const corpus = {
  tutorial_session_leak: {control: false, leaks: [{holder: {edge: 'loginUsers'}, accept_edges: ['loginUsers']}]},
  closure_leak: {control: false, leaks: [{holder: {edge: 'theThing'}, accept_edges: ['theThing']}]},
  map_cache_leak: {control: false, leaks: [{holder: {edge: 'profileCache'}, accept_edges: ['profileCache']}]},
  no_leak_control: {control: true, leaks: []},
};

function loadSnapshot(file) {
  let buf = fs.readFileSync(file);
  if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf);
  const j = JSON.parse(buf.toString('utf8'));
  const m = j.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
  const nodeTypes = m.node_types[0], edgeTypes = m.edge_types[0];
  const n = j.nodes.length / nf;
  const fi = name => m.node_fields.indexOf(name);
  const [fType, fName, fId, fEc] = [fi('type'), fi('name'), fi('id'), fi('edge_count')];
  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) firstEdge[i + 1] = firstEdge[i] + j.nodes[i * nf + fEc] * ef;
  const idToOrd = new Map();
  for (let i = 0; i < n; i++) idToOrd.set(j.nodes[i * nf + fId], i);
  const weak = edgeTypes.indexOf('weak'), shortcut = edgeTypes.indexOf('shortcut');
  const elem = edgeTypes.indexOf('element'), hidden = edgeTypes.indexOf('hidden');
  const edgeName = e => {
    const t = j.edges[e], v = j.edges[e + 1];
    return t === elem || t === hidden ? String(v) : j.strings[v];
  };
  // incoming non-weak edges, and a BFS parent from the root (node 0) over non-weak edges
  const inEdges = Array.from({length: n}, () => []);
  for (let i = 0; i < n; i++) {
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
      const t = j.edges[e];
      if (t === weak || t === shortcut) continue;
      inEdges[j.edges[e + 2] / nf].push([i, e]);
    }
  }
  const parent = new Int32Array(n).fill(-1), parentEdge = new Int32Array(n).fill(-1);
  parent[0] = 0;
  const queue = [0];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q];
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
      if (j.edges[e] === weak) continue;
      const to = j.edges[e + 2] / nf;
      if (parent[to] !== -1) continue;
      parent[to] = i;
      parentEdge[to] = e;
      queue.push(to);
    }
  }
  return {
    has: id => idToOrd.has(id),
    describe(id) {
      const o = idToOrd.get(id);
      if (o === undefined) return null;
      const names = inEdges[o].map(([, e]) => edgeName(e));
      const pathNames = [];
      for (let k = o; k !== 0 && parent[k] !== -1 && pathNames.length < 40; k = parent[k]) pathNames.push(edgeName(parentEdge[k]));
      const outNames = [];
      for (let e = firstEdge[o]; e < firstEdge[o + 1]; e += ef) if (j.edges[e] !== weak) outNames.push(edgeName(e));
      return {name: j.strings[j.nodes[o * nf + fName]], type: nodeTypes[j.nodes[o * nf + fType]], in_edges: [...new Set(names)],
              out_edges: outNames, path: pathNames};
    },
  };
}

function parseNodeList(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^· (.*) \[([^\]]*)\]\(@(\d+)\):\s*(.*)$/.exec(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
    if (m) out.push({name: m[1], type: m[2], id: Number(m[3]), series: m[4].trim()});
  }
  return out;
}

function parseClusters(text) {
  const clean = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const found = /MemLab found (\d+) leak\(s\)/.exec(clean);
  const clusters = [];
  let cur = null;
  for (const line of clean.split('\n')) {
    const head = /^--Similar leaks in this run: (\d+)--/.exec(line);
    if (head) { cur = {similar: Number(head[1]), retained: '', edges: [], last: ''}; clusters.push(cur); continue; }
    if (!cur) continue;
    const rs = /^--Retained size of leaked objects: (.*)--/.exec(line);
    if (rs) { cur.retained = rs[1]; continue; }
    const step = /^\s+--(.*) \(([a-z]+)\)--->\s+\[(.*?)\] \((.*?)\) @(\d+)/.exec(line);
    if (step) { cur.edges.push(step[1]); cur.last = `${step[3]} @${step[5]}`; }
  }
  return {reported: found ? Number(found[1]) : clusters.length, clusters};
}

const rankOf = hits => { const i = hits.findIndex(Boolean); return i < 0 ? 'absent' : String(i + 1); };

const rows = [];
for (const dir of scenarioDirs) {
  const name = path.basename(dir);
  const spec = fs.existsSync(path.join(dir, 'scenario.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8')) : corpus[name];
  if (!spec) throw new Error(`no expectations for ${dir}`);
  const snaps = fs.readdirSync(dir).filter(f => /^s\d+\.heapsnapshot(\.gz)?$/.test(f)).sort();
  const last = loadSnapshot(path.join(dir, snaps[snaps.length - 1]));
  const row = {scenario: name, control: spec.control, checks: {}};
  for (const check of ['unbound-object', 'unbound-collection', 'find-leaks', 'find-leaks-all']) {
    const file = path.join(workDir, name, `${check}.txt`);
    if (!fs.existsSync(file)) { row.checks[check] = {error: 'not run'}; continue; }
    const text = fs.readFileSync(file, 'utf8');
    const res = {};
    if (check.startsWith('find-leaks')) {
      const {reported, clusters} = parseClusters(text);
      res.reported = reported;
      res.top = clusters.slice(0, 3).map(c => ({similar: c.similar, retained: c.retained, trace: c.edges.join(' > '), leaked: c.last}));
      res.leaks = spec.leaks.map(l => {
        const ok = [...(l.accept_edges || []), ...(l.accept_path_contains || [])];
        return {holder: l.holder.edge, rank: rankOf(clusters.map(c => c.edges.some(e => ok.includes(e))))};
      });
    } else {
      const items = parseNodeList(text);
      res.reported = items.length;
      const described = items.map(it => ({...it, ...(last.describe(it.id) || {missing: true})}));
      res.top = described.slice(0, 3).map(d => ({node: `${d.name} @${d.id}`, series: d.series, in_edges: (d.in_edges || []).slice(0, 6)}));
      res.leaks = spec.leaks.map(l => ({
        holder: l.holder.edge,
        rank: rankOf(described.map(d => !d.missing && (d.in_edges.some(e => (l.accept_edges || []).includes(e)) ||
                                                     d.path.some(e => (l.accept_path_contains || []).includes(e))))),
        // lenient: the result is the object that holds the holder (e.g. the module's closure
        // context that has the variable `responseCache`), a step short of naming it
        rank_lenient: rankOf(described.map(d => !d.missing && (d.in_edges.some(e => (l.accept_edges || []).includes(e)) ||
                                                             d.out_edges.some(e => (l.accept_edges || []).includes(e)) ||
                                                             d.path.some(e => (l.accept_path_contains || []).includes(e))))),
      }));
    }
    if (/Fatal|Error:|heap out of memory/.test(text) && res.reported === 0) res.error = (/(Fatal.*|Error:.*)/.exec(text) || [''])[0].slice(0, 120);
    row.checks[check] = res;
  }
  rows.push(row);
}
if (!markdown) {
  console.log(JSON.stringify(rows, null, 1));
} else {
  // One line per leak (or per control): MemLab's rank of the true holder per check, or for a
  // control the number of results it reports. Heapscope's column is left for the lead to fill.
  const cell = (c, i) => c.error && !c.reported ? `error` : i === undefined ? String(c.reported) : c.leaks[i].rank;
  console.log('| scenario | holder | unbound-object | unbound-collection | find-leaks | find-leaks --trace-all-objects | Heapscope |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const cs = ['unbound-object', 'unbound-collection', 'find-leaks', 'find-leaks-all'].map(k => r.checks[k]);
    if (r.control) {
      console.log(`| ${r.scenario} | (control: results reported) | ${cs.map(c => cell(c)).join(' | ')} | TBD |`);
    } else {
      const n = cs.find(c => c.leaks) ? cs.find(c => c.leaks).leaks.length : 0;
      for (let i = 0; i < n; i++) {
        const show = c => {
          if (!c.leaks) return 'error';
          const l = c.leaks[i];
          const lenient = l.rank_lenient && l.rank_lenient !== l.rank ? ` [${l.rank_lenient}]` : '';
          return `${cell(c, i)}${lenient} (of ${c.reported})`;
        };
        console.log(`| ${r.scenario} | \`${cs.find(c => c.leaks).leaks[i].holder}\` | ${cs.map(show).join(' | ')} | TBD |`);
      }
    }
  }

  // Totals per check.
  const checks = ['unbound-object', 'unbound-collection', 'find-leaks', 'find-leaks-all'];
  const label = {'find-leaks-all': 'find-leaks --trace-all-objects'};
  const controls = rows.filter(r => r.control);
  const nLeaks = rows.filter(r => !r.control).reduce((a, r) => a + (r.checks['unbound-object'].leaks || []).length, 0);
  console.log(`\nTotals (${nLeaks} leaks, ${controls.length} controls):\n`);
  console.log('| check | holder first | holder among first 3 | not among first 3 | lenient: first / first 3 | controls with results |');
  console.log('|---|---|---|---|---|---|');
  const top3 = r => r !== 'absent' && Number(r) <= 3;
  for (const k of checks) {
    const ls = rows.filter(r => !r.control).flatMap(r => r.checks[k].leaks || []);
    const len = l => l.rank_lenient || l.rank;
    const withResults = controls.filter(r => r.checks[k].reported > 0);
    console.log(`| \`${label[k] || k}\` | ${ls.filter(l => l.rank === '1').length} | ${ls.filter(l => top3(l.rank)).length} | ` +
                `${ls.filter(l => !top3(l.rank)).length} | ${ls.filter(l => len(l) === '1').length} / ${ls.filter(l => top3(len(l))).length} | ` +
                `${withResults.length} of ${controls.length}${withResults.length ? ': ' + withResults.map(r => `${r.scenario} (${r.checks[k].reported})`).join(', ') : ''} |`);
  }

  // Raw outputs, summarized: the first three results of each check.
  console.log('\n## Raw outputs, summarized (first three results of each check)\n');
  console.log('"held by" lists the node\'s retaining edges in the last snapshot, without index edges (`73`, `50 / IdentityMapBase`);');
  console.log('for find-leaks, the last six edges of the cluster\'s trace.\n');
  for (const r of rows) {
    console.log(`**${r.scenario}**${r.control ? ' (control)' : ''}\n`);
    for (const k of checks) {
      const c = r.checks[k];
      if (!c.top || !c.top.length) { console.log(`- ${label[k] || k}: ${c.reported ?? 0} result(s)${c.error ? ' — ' + c.error : ''}`); continue; }
      const items = c.top.map((t, i) => t.node
        ? `${i + 1}. ${t.node} \`${t.series}\` (held by: ${t.in_edges.filter(e => !/^\d+( \/|$)/.test(e)).slice(0, 3).join(', ') || 'index edges'})`
        : `${i + 1}. ${t.similar} similar, ${t.retained}: \`${t.trace.split(' > ').slice(-6).join(' > ')}\``);
      console.log(`- ${label[k] || k}: ${c.reported} result(s): ${items.join('; ')}`);
    }
    console.log('');
  }
}

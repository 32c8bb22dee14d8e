// The network evidence page: a network's members and the evidence they share, drawn with cytoscape.js
// (vendored, see vendor/README.md). Clicking an account, an evidence node or an edge shows why it is linked.
// A big network (more than OVERVIEW_ABOVE members drawn) is first drawn as an overview: members grouped by the
// evidence they share most strongly (one node per group, with its count), a click on a group expands it into
// its accounts (placed around it, no new layout), a second click folds it again.
// The drawn graph is `window.sockhoundGraph` and `document.body.dataset.state` says loading / ready / error.
// Colours come from `/ui/palette.json`, the palette the report uses too (sockhound/palette.py).
import { apiKey, element, explain, getJson, keyForm, showMessage, takeKeyFromFragment } from "./session.js";

const OVERVIEW_ABOVE = 300;
const MEMBER_LIMIT = 1000;
const BUNDLES_PER_GROUP = 6;  // the graph endpoint's largest member_limit: the overview groups them all
const EVIDENCE_KINDS = {
  payment: { name: "payment method", shape: "diamond" },
  ip: { name: "IP address", shape: "round-rectangle" },
  subnet: { name: "subnet (/24, /48)", shape: "rectangle" },
  exact: { name: "prompt, exact", shape: "triangle" },
  template: { name: "prompt template", shape: "triangle" },
  nearband: { name: "prompt, near-duplicate", shape: "triangle" },
  upstream: { name: "prompt, upstream fingerprint", shape: "triangle" },
  sync: { name: "synchronised activity", shape: "hexagon" },
  email: { name: "email identity", shape: "star" },
};
const OTHER_KIND = { name: "other evidence", shape: "tag" };
let palette = { verdicts: {}, evidence: {}, other: "#9e9e9e" };
const kindOf = (kind) => ({ ...(EVIDENCE_KINDS[kind] || { ...OTHER_KIND, name: kind }),
                            colour: palette.evidence[kind] || palette.other });
const verdictColour = (verdict) => palette.verdicts[verdict] || palette.other;

async function loadPalette() {
  const response = await fetch("/ui/palette.json");
  if (response.ok) palette = await response.json();
}

const networkId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
const message = document.getElementById("message");
const details = document.getElementById("details");
let graph = null;
let overview = null;  // the groups of a big network: { groups: Map, linksOf: Map, nodeOfEvidence }

const percent = (risk) => `${(100 * risk).toFixed(1)} %`;
const when = (timestamp) => (timestamp ? timestamp.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : "—");

function definitions(pairs) {
  return element("dl", {}, ...pairs.flatMap(([term, value]) => [element("dt", {}, term), element("dd", {}, value)]));
}

function verdictText(verdict) {
  const text = element("span", { class: `verdict ${verdict}` }, verdict);
  if (palette.verdicts[verdict]) text.style.color = palette.verdicts[verdict];
  return text;
}

function selectNode(id) {
  const node = graph.getElementById(id);
  if (node.nonempty()) {
    graph.elements().unselect();
    node.select();
    graph.animate({ center: { eles: node } }, { duration: 200 });
    showDetails(node);
  }
}

function nodeButton(id, text) {
  const button = element("button", { class: "link", type: "button" }, text);
  button.addEventListener("click", () => selectNode(id));
  return button;
}

// An account's links with their evidence: the drawn edges, or in the overview (where an expanded account is
// drawn with one edge, to its group) every link the graph answer holds, each pointing at the node that stands
// for its evidence (a group or an evidence node).
function accountLinks(node) {
  if (!overview) {
    return node.connectedEdges("[type = 'link']").map((edge) => ({ edge: edge.data(), evidence: edge.target().data() }));
  }
  return (overview.linksOf.get(node.data("accountId")) || []).map((link) => ({
    edge: { count: link.count, firstSeen: link.first_seen, lastSeen: link.last_seen },
    evidence: { ...evidenceData(overview.evidenceById.get(link.evidence_id)), id: overview.nodeOfEvidence(link.evidence_id) },
  }));
}

async function showAccount(node) {
  const account = node.data();
  const links = accountLinks(node)
    .sort((a, b) => b.evidence.weight - a.evidence.weight || b.evidence.members - a.evidence.members);
  const topEvidence = element("div", { id: "account-evidence" }, element("p", { class: "hint" }, "loading…"));
  details.replaceChildren(
    element("h2", { "data-account-id": account.accountId }, `Account ${account.accountId}`),
    definitions([
      ["verdict", verdictText(account.verdict)], ["risk", percent(account.risk)],
      ["label", account.label || "—"], ["status", account.status],
    ]),
    element("h3", {}, `Why it is linked here (${links.length} shared evidence nodes)`),
    links.length
      ? element("ul", {}, ...links.map(({ edge, evidence }) => element("li", {},
        nodeButton(evidence.id, kindOf(evidence.kind).name),
        ` shared with ${evidence.members - 1} other members here (${evidence.sharedBy} accounts in all), weight `
        + `${evidence.weight.toFixed(2)}${evidence.ignored ? ` (ignored: ${evidence.ignored})` : ""}`
        + (edge.count !== null ? `; ${edge.count} exchanges, ${when(edge.firstSeen)} – ${when(edge.lastSeen)}` : ""))))
      : element("p", { class: "hint" }, "No shared evidence drawn (it may be beyond the caps)."),
    element("h3", {}, "Top evidence of its risk"),
    topEvidence,
  );
  try {
    const verdict = await getJson(`/v1/accounts/${encodeURIComponent(account.accountId)}?evidence=5`);
    if (graph.$(":selected").id() !== node.id()) return;  // another node was clicked meanwhile
    topEvidence.replaceChildren(
      definitions([["network", verdict.network_id || "—"], ["prior risk", verdict.prior_risk === null ? "—" : percent(verdict.prior_risk)]]),
      verdict.top_evidence.length
        ? element("ul", {}, ...verdict.top_evidence.map((record) => element("li", {},
          `${record.description || record.kind}: ${record.contribution >= 0 ? "+" : ""}${percent(record.contribution)}`)))
        : element("p", { class: "hint" }, "No stored explanation."));
  } catch (error) {
    topEvidence.replaceChildren(element("p", { class: "hint" }, explain(error, `account ${account.accountId}`)));
  }
}

function showEvidence(node) {
  const evidence = node.data();
  const members = node.connectedEdges("[type = 'link']").map((edge) => ({ edge: edge.data(), account: edge.source().data() }))
    .sort((a, b) => b.account.risk - a.account.risk);
  const bundles = node.connectedEdges("[type = 'bundle']").map((edge) => edge.source().data())
    .filter((group) => group.id !== evidence.id);
  details.replaceChildren(
    element("h2", { "data-evidence-id": `${evidence.kind}:${evidence.key}` }, `Evidence: ${kindOf(evidence.kind).name}`),
    definitions([
      ["kind", evidence.kind], ["key (keyed hash)", evidence.key],
      ["shared by", `${evidence.sharedBy} accounts in all`], ["members here", String(evidence.members)],
      ["weight", evidence.weight.toFixed(3)], ["ignored", evidence.ignored || "no"],
    ]),
    element("h3", {}, `The ${members.length} members drawn sharing it`),
    element("ul", {}, ...members.map(({ edge, account }) => element("li", {},
      nodeButton(account.id, account.accountId), " ", verdictText(account.verdict), ` ${percent(account.risk)}`,
      edge.count !== null ? `; ${edge.count} exchanges, last ${when(edge.lastSeen)}` : ""))),
    ...(bundles.length ? [element("h3", {}, "Groups holding members who share it (click to expand)"),
      element("ul", {}, ...bundles.map((group) => element("li", {}, nodeButton(group.id, group.caption))))] : []),
  );
}

function showGroup(node) {
  const group = node.data();
  const { members } = overview.groups.get(group.groupId);
  const mix = Object.entries(group.verdicts).sort((a, b) => b[1] - a[1]);
  details.replaceChildren(
    element("h2", { "data-group-id": group.groupId }, `${group.count} accounts: ${group.caption}`),
    definitions([
      ["verdicts", element("span", {}, ...mix.flatMap(([verdict, count]) => [verdictText(verdict), ` ${count} `]))],
      ...(group.kind === "none" ? [] : [
        ["their strongest shared evidence", `${kindOf(group.kind).name} ${group.key}`],
        ["shared by", `${group.members} members here, ${group.sharedBy} accounts in all`],
        ["weight", group.weight.toFixed(3)], ["ignored", group.ignored || "no"]]),
      ["drawn", node.hasClass("expanded") ? "expanded: its accounts are around it (click again to fold)"
                                          : "folded (click to draw its accounts)"],
    ]),
    element("h3", {}, `Riskiest members (${Math.min(members.length, 50)} of ${members.length})`),
    element("ul", {}, ...members.slice(0, 50).map((account) => element("li", {},
      node.hasClass("expanded") ? nodeButton(`account:${account.account_id}`, account.account_id) : account.account_id,
      " ", verdictText(account.verdict), ` ${percent(account.risk)}`))),
  );
}

function showEdge(edge) {
  const link = edge.data();
  const account = edge.source().data();
  const evidence = edge.target().data();
  details.replaceChildren(
    element("h2", {}, `${account.accountId} → ${kindOf(evidence.kind).name}`),
    definitions([
      ["account", nodeButton(account.id, account.accountId)], ["verdict", verdictText(account.verdict)],
      ["evidence", nodeButton(evidence.id, `${evidence.kind} ${evidence.key}`)],
      ["shared by", `${evidence.members} members here, ${evidence.sharedBy} accounts in all`],
      ["weight", evidence.weight.toFixed(3)],
      ["exchanges", link.count === null ? "—" : String(link.count)],
      ["first seen", when(link.firstSeen)], ["last seen", when(link.lastSeen)],
    ]),
  );
}

function showDetails(target) {
  if (target.isEdge()) showEdge(target);
  else if (target.data("type") === "account") showAccount(target);
  else if (target.data("type") === "group") showGroup(target);
  else showEvidence(target);
}

function accountElement(account, position) {
  return {
    group: "nodes", ...(position ? { position } : {}),
    data: { id: `account:${account.account_id}`, type: "account", accountId: account.account_id,
            verdict: account.verdict, risk: account.risk, label: account.label, status: account.status,
            colour: verdictColour(account.verdict), size: 14 + 18 * account.risk },
  };
}

function evidenceData(node) {
  return { kind: node.kind, key: node.key, sharedBy: node.shared_by, members: node.members, weight: node.weight,
           ignored: node.ignored };
}

function linkElement(edge, target) {
  if (!edge) return null;
  return {
    group: "edges",
    data: { id: `link:${edge.account_id}|${edge.evidence_id}`, type: "link", source: `account:${edge.account_id}`,
            target, count: edge.count, firstSeen: edge.first_seen, lastSeen: edge.last_seen },
  };
}

function elementsOf(body) {
  const evidence = body.evidence.map((node) => ({
    group: "nodes",
    data: { id: `evidence:${node.id}`, type: "evidence", ...evidenceData(node), colour: kindOf(node.kind).colour,
            shape: kindOf(node.kind).shape, kindName: kindOf(node.kind).name,
            size: 10 + Math.min(20, 2 * Math.sqrt(node.members)) },
  }));
  return [...body.accounts.map((account) => accountElement(account)), ...evidence,
          ...body.edges.map((edge) => linkElement(edge, `evidence:${edge.evidence_id}`))];
}

// The overview: each member goes to the group of the evidence node it shares most strongly (highest weight, then
// the most members, then the id), members sharing none drawn go to one group of their own. One node per group
// (its count, coloured by its commonest verdict, edged in its evidence's colour); evidence nodes nobody's
// strongest stay evidence nodes; an edge between two nodes says how many members of the group link the other.
function groupsOf(body) {
  const evidenceById = new Map(body.evidence.map((node) => [node.id, node]));
  const linksOf = new Map();
  for (const edge of body.edges) {
    if (!linksOf.has(edge.account_id)) linksOf.set(edge.account_id, []);
    linksOf.get(edge.account_id).push(edge);
  }
  const groups = new Map();
  for (const account of body.accounts) {
    let best = null;
    for (const edge of linksOf.get(account.account_id) || []) {
      const node = evidenceById.get(edge.evidence_id);
      if (!best || node.weight > best.weight || (node.weight === best.weight
          && (node.members > best.members || (node.members === best.members && node.id < best.id)))) best = node;
    }
    const groupId = best ? best.id : "none";
    if (!groups.has(groupId)) groups.set(groupId, { evidence: best, members: [] });
    groups.get(groupId).members.push(account);
  }
  const nodeOfEvidence = (evidenceId) => (groups.has(evidenceId) ? `group:${evidenceId}` : `evidence:${evidenceId}`);
  return { groups, linksOf, nodeOfEvidence, evidenceById };
}

function overviewElements(body) {
  const nodes = [];
  const bundles = new Map();
  for (const [groupId, { evidence, members }] of overview.groups) {
    const verdicts = {};
    for (const account of members) verdicts[account.verdict] = (verdicts[account.verdict] || 0) + 1;
    const commonest = Object.entries(verdicts).sort((a, b) => b[1] - a[1])[0][0];
    const kind = evidence ? evidence.kind : "none";
    const caption = evidence ? kindOf(kind).name : "no drawn evidence";
    nodes.push({ group: "nodes", data: {
      id: `group:${groupId}`, type: "group", groupId, count: members.length, verdicts, caption,
      label: `${members.length} · ${caption}`, colour: verdictColour(commonest),
      border: evidence ? kindOf(kind).colour : palette.other, shape: evidence ? kindOf(kind).shape : "ellipse",
      size: 18 + 5 * Math.sqrt(members.length),
      ...(evidence ? evidenceData(evidence) : { kind, key: "", sharedBy: 0, members: 0, weight: 0, ignored: null }),
    } });
    for (const account of members) {
      for (const edge of overview.linksOf.get(account.account_id) || []) {
        const target = overview.nodeOfEvidence(edge.evidence_id);
        if (target === `group:${groupId}`) continue;
        const id = `bundle:${groupId}|${target}`;
        bundles.set(id, (bundles.get(id) || 0) + 1);
      }
    }
  }
  for (const node of body.evidence) {
    if (overview.groups.has(node.id)) continue;
    nodes.push({ group: "nodes", data: {
      id: `evidence:${node.id}`, type: "evidence", ...evidenceData(node), colour: kindOf(node.kind).colour,
      shape: kindOf(node.kind).shape, kindName: kindOf(node.kind).name,
      size: 10 + Math.min(20, 2 * Math.sqrt(node.members)) } });
  }
  // Per group its BUNDLES_PER_GROUP strongest bundles: all of them drew thousands of edges (a hairball again).
  const bySource = new Map();
  for (const [id, count] of bundles) {
    const source = `group:${id.slice(7, id.indexOf("|"))}`;
    if (!bySource.has(source)) bySource.set(source, []);
    bySource.get(source).push({ id, source, target: id.slice(id.indexOf("|") + 1), count });
  }
  const edges = [...bySource.values()].flatMap((list) => list.sort((a, b) => b.count - a.count)
    .slice(0, BUNDLES_PER_GROUP).map(({ id, source, target, count }) => ({
      group: "edges", data: { id, type: "bundle", source, target, count, width: 0.6 + Math.log2(count) } })));
  return [...nodes, ...edges];
}

// A group's accounts on a sunflower spiral around it (no layout run: instant, nothing else moves).
function expandGroup(node) {
  const { members } = overview.groups.get(node.data("groupId"));
  const centre = node.position();
  const spacing = 16;
  const added = members.map((account, index) => {
    const radius = node.width() / 2 + spacing * Math.sqrt(index + 1);
    const angle = index * 2.399963;
    return accountElement(account, { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
  });
  const links = members.map((account) => linkElement(
    (overview.linksOf.get(account.account_id) || []).find((edge) => `group:${edge.evidence_id}` === node.id()),
    node.id())).filter((edge) => edge !== null);
  graph.batch(() => {
    graph.add([...added, ...links]);
    node.addClass("expanded");
  });
}

function foldGroup(node) {
  const { members } = overview.groups.get(node.data("groupId"));
  graph.batch(() => {
    graph.remove(graph.collection(members.map((account) => graph.getElementById(`account:${account.account_id}`))));
    node.removeClass("expanded");
  });
}

// The node whose drawn disc holds the point, the nearest centre (relative to its size) when discs overlap:
// cytoscape's own pick can return an edge ending in a small node, or a node under the label of another.
function nodeAt(position) {
  let best = null;
  let bestScore = Infinity;
  graph.nodes().forEach((node) => {
    const centre = node.position();
    const radius = node.width() / 2 + 1;
    const score = Math.hypot(centre.x - position.x, centre.y - position.y) / radius;
    if (score <= 1 && score < bestScore) {
      best = node;
      bestScore = score;
    }
  });
  return best;
}

// cose repels every pair of nodes on every iteration, so its cost grows with nodes², not edges: with 1,000
// iterations the 425 nodes the default caps allow (300 members, 25 evidence nodes of each of 5 kinds) took 6-7 s
// of the renderer's main-thread CPU, about 2 s with this budget. The iterations get a budget of node pairs, and the
// temperature falls from cose's initial 1000 to its minimum 1 within them, so a large graph settles, not stops hot.
const COSE_PAIR_ITERATIONS = 20e6;

function coseBudget(nodes) {
  const numIter = Math.max(100, Math.min(1000, Math.round(COSE_PAIR_ITERATIONS / Math.max(1, nodes * nodes))));
  return { numIter, initialTemp: 1000, minTemp: 1, coolingFactor: Math.min(0.99, 0.001 ** (1 / numIter)) };
}

function select(target) {
  graph.elements().unselect();
  target.select();
  graph.elements().removeClass("neighbour");
  target.connectedEdges().addClass("neighbour");
}

function drawGraph(body) {
  const started = performance.now();
  const elements = overview ? overviewElements(body) : elementsOf(body);
  const nodeCount = elements.filter((item) => item.group === "nodes").length;
  const edgeCount = elements.length - nodeCount;
  graph = cytoscape({
    container: document.getElementById("graph"),
    elements,
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    textureOnViewport: edgeCount > 2000,
    hideEdgesOnViewport: edgeCount > 2000,
    style: [
      // Nodes above edges, for drawing and for clicks: a click on a node must not pick an edge ending there.
      { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
                                   "border-width": 1, "border-color": "#ffffff", "z-index-compare": "manual",
                                   "z-index": 10 } },
      // Labels on zoom: an account's id once its text would be legible (cytoscape skips smaller text).
      { selector: "node[type = 'account']", style: { label: "data(accountId)", "font-size": 8, color: "#333",
                                                     "min-zoomed-font-size": 7, "text-valign": "bottom",
                                                     "z-index": 11 } },
      { selector: "node[type = 'evidence']", style: { shape: "data(shape)", label: "data(kindName)", "font-size": 6,
                                                      color: "#555", "min-zoomed-font-size": 7,
                                                      "text-valign": "bottom" } },
      { selector: "node[type = 'group']", style: { shape: "data(shape)", label: "data(label)", "font-size": 11,
                                                   "font-weight": 600, color: "#1d2330", "text-valign": "bottom",
                                                   "text-margin-y": 3, "border-width": 4,
                                                   "border-color": "data(border)", "min-zoomed-font-size": 4 } },
      { selector: "node.expanded", style: { "background-opacity": 0.35 } },
      { selector: "edge", style: { width: 0.6, "line-color": "#b8bfcc", opacity: 0.6, "curve-style": "straight",
                                   "z-index-compare": "manual", "z-index": 1 } },
      { selector: "edge[type = 'bundle']", style: { width: "data(width)", opacity: 0.45 } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#111" } },
      { selector: "edge:selected", style: { width: 2.5, "line-color": "#111", opacity: 1 } },
      { selector: ".neighbour", style: { opacity: 1, "line-color": "#555" } },
    ],
    layout: { name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: false,
              ...coseBudget(nodeCount), idealEdgeLength: () => (overview ? 90 : 40),
              nodeRepulsion: () => (overview ? 40000 : 9000), gravity: 0.6, componentSpacing: 60 },
  });
  graph.on("tap", (event) => {
    // Hit-testing by the drawn discs: a click inside a node is about that node, whatever cytoscape picked
    // (an edge ending there, the background beside a tiny node, a bigger neighbour's box).
    const node = nodeAt(event.position);
    const target = node || (event.target !== graph ? event.target : null);
    if (!target) {
      graph.elements().removeClass("neighbour");
      return;
    }
    if (target.isNode() && target.data("type") === "group") {
      if (target.hasClass("expanded")) foldGroup(target); else expandGroup(target);
    }
    select(target);
    showDetails(target);
  });
  window.sockhoundGraph = graph;
  window.sockhoundOverview = Boolean(overview);
  window.sockhoundLayoutMs = Math.round(performance.now() - started);
}

function drawLegend(body) {
  const shownKinds = body.kinds.filter((kind) => kind.shown > 0);
  const legend = document.getElementById("legend");
  legend.replaceChildren(
    ...Object.entries(palette.verdicts).map(([verdict, colour]) => element("span", {},
      swatch(colour, "round"), `account: ${verdict}`)),
    ...shownKinds.map((kind) => element("span", {}, swatch(kindOf(kind.kind).colour, ""),
      `${kindOf(kind.kind).name}: ${kind.shown}${kind.available > kind.shown ? ` of ${kind.available}` : ""}`)),
    ...(overview ? [element("span", {}, swatch("#ffffff", "round group"),
      `group of accounts by their strongest shared evidence (count; click to expand)`)] : []),
  );
}

function swatch(colour, shape) {
  const box = element("span", { class: `swatch ${shape}` });
  box.style.backgroundColor = colour;
  return box;
}

function drawSummary(network, body) {
  document.title = `sockhound · ${network.network_id}`;
  document.getElementById("title").replaceChildren(`Network ${network.network_id} `, verdictText(network.verdict || "clear"));
  const drawn = overview
    ? ` Overview: ${body.accounts.length} members in ${overview.groups.size} groups by the evidence they share most strongly.`
    : "";
  const truncated = body.truncated
    ? ` Drawn: the ${body.accounts.length} riskiest members and at most ${body.evidence_per_kind} evidence nodes per kind.`
    : "";
  document.getElementById("summary").textContent =
    `risk ${percent(network.risk)} · ${network.size} members · ${network.status} · run ${network.run_id || "—"}.${drawn}${truncated}`;
}

function loading(text) {
  document.getElementById("loading").textContent = text;
  // Let the browser paint the message before the layout takes the main thread.
  return new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
}

async function load() {
  if (!apiKey()) {
    showMessage(message, "Enter an API key with the read scope to see this network.");
    document.body.dataset.state = "needs-key";
    return;
  }
  document.body.dataset.state = "loading";
  showMessage(message, "");
  await loading("Loading the network…");
  const path = `/v1/networks/${encodeURIComponent(networkId)}`;
  try {
    const [network, body] = await Promise.all([getJson(path), getJson(`${path}/graph?member_limit=${MEMBER_LIMIT}`),
                                               loadPalette()]);
    if (graph) graph.destroy();
    overview = body.accounts.length > OVERVIEW_ABOVE ? groupsOf(body) : null;
    drawSummary(network, body);  // before the drawing: the header's height sets the graph's box
    drawLegend(body);
    await loading(`Drawing ${body.accounts.length} accounts and ${body.evidence.length} evidence nodes…`);
    drawGraph(body);
    window.sockhoundReadyMs = Math.round(performance.now());
    document.body.dataset.state = "ready";
  } catch (error) {
    showMessage(message, explain(error, `no network “${networkId}”`));
    document.body.dataset.state = "error";
  }
}

// The header and legend change height with their text: cytoscape must know its box for clicks to land right.
new ResizeObserver(() => { if (graph && !graph.destroyed()) graph.resize(); }).observe(document.getElementById("graph"));
takeKeyFromFragment();
keyForm(document.getElementById("key-form"), load);
load();

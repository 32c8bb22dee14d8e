// The network evidence page: a network's members and the evidence they share, drawn with cytoscape.js
// (vendored, see vendor/README.md). Clicking an account, an evidence node or an edge shows why it is linked.
// The drawn graph is `window.sockhoundGraph` and `document.body.dataset.state` says loading / ready / error.
import { apiKey, element, explain, getJson, keyForm, showMessage, takeKeyFromFragment } from "./session.js";

const VERDICT_COLOURS = { sockpuppet: "#d32f2f", suspect: "#f59e0b", clear: "#43a047" };
const EVIDENCE_KINDS = {
  payment: { name: "payment method", colour: "#6a1b9a", shape: "diamond" },
  ip: { name: "IP address", colour: "#1565c0", shape: "round-rectangle" },
  subnet: { name: "subnet (/24, /48)", colour: "#64b5f6", shape: "rectangle" },
  exact: { name: "prompt, exact", colour: "#00897b", shape: "triangle" },
  template: { name: "prompt template", colour: "#26a69a", shape: "triangle" },
  nearband: { name: "prompt, near-duplicate", colour: "#80cbc4", shape: "triangle" },
  upstream: { name: "prompt, upstream fingerprint", colour: "#004d40", shape: "triangle" },
  sync: { name: "synchronised activity", colour: "#ef6c00", shape: "hexagon" },
  email: { name: "email identity", colour: "#8d6e63", shape: "star" },
};
const OTHER_KIND = { name: "other evidence", colour: "#9e9e9e", shape: "tag" };
const kindOf = (kind) => EVIDENCE_KINDS[kind] || { ...OTHER_KIND, name: kind };

const networkId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop());
const message = document.getElementById("message");
const details = document.getElementById("details");
let graph = null;

const percent = (risk) => `${(100 * risk).toFixed(1)} %`;
const when = (timestamp) => (timestamp ? timestamp.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : "—");

function definitions(pairs) {
  return element("dl", {}, ...pairs.flatMap(([term, value]) => [element("dt", {}, term), element("dd", {}, value)]));
}

function verdictText(verdict) {
  return element("span", { class: `verdict ${verdict}` }, verdict);
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

async function showAccount(node) {
  const account = node.data();
  const links = node.connectedEdges().map((edge) => ({ edge: edge.data(), evidence: edge.target().data() }))
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
  const members = node.connectedEdges().map((edge) => ({ edge: edge.data(), account: edge.source().data() }))
    .sort((a, b) => b.account.risk - a.account.risk);
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
  else showEvidence(target);
}

function elementsOf(body) {
  const accounts = body.accounts.map((account) => ({
    group: "nodes",
    data: { id: `account:${account.account_id}`, type: "account", accountId: account.account_id,
            verdict: account.verdict, risk: account.risk, label: account.label, status: account.status,
            colour: VERDICT_COLOURS[account.verdict] || "#9e9e9e", size: 14 + 18 * account.risk },
  }));
  const evidence = body.evidence.map((node) => ({
    group: "nodes",
    data: { id: `evidence:${node.id}`, type: "evidence", kind: node.kind, key: node.key, sharedBy: node.shared_by,
            members: node.members, weight: node.weight, ignored: node.ignored, colour: kindOf(node.kind).colour,
            shape: kindOf(node.kind).shape, size: 10 + Math.min(20, 2 * Math.sqrt(node.members)) },
  }));
  const edges = body.edges.map((edge, index) => ({
    group: "edges",
    data: { id: `edge:${index}`, source: `account:${edge.account_id}`, target: `evidence:${edge.evidence_id}`,
            count: edge.count, firstSeen: edge.first_seen, lastSeen: edge.last_seen },
  }));
  return [...accounts, ...evidence, ...edges];
}

function nodeAt(position) {
  const under = graph.nodes().filter((node) => {
    const box = node.boundingBox({ includeLabels: false });
    return box.x1 <= position.x && position.x <= box.x2 && box.y1 <= position.y && position.y <= box.y2;
  });
  return under.nonempty() ? under.last() : null;
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

function drawGraph(body) {
  const started = performance.now();
  graph = cytoscape({
    container: document.getElementById("graph"),
    elements: elementsOf(body),
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    textureOnViewport: body.edges.length > 2000,
    hideEdgesOnViewport: body.edges.length > 2000,
    style: [
      // Nodes above edges, for drawing and for clicks: a click on a node must not pick an edge ending there.
      { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
                                   "border-width": 1, "border-color": "#ffffff", "z-index-compare": "manual",
                                   "z-index": 10 } },
      { selector: "node[type = 'account']", style: { label: "data(accountId)", "font-size": 7, color: "#333",
                                                     "min-zoomed-font-size": 9, "text-valign": "bottom" } },
      { selector: "node[type = 'evidence']", style: { shape: "data(shape)" } },
      { selector: "edge", style: { width: 0.6, "line-color": "#b8bfcc", opacity: 0.6, "curve-style": "straight",
                                   "z-index-compare": "manual", "z-index": 1 } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#111" } },
      { selector: "edge:selected", style: { width: 2.5, "line-color": "#111", opacity: 1 } },
      { selector: ".neighbour", style: { opacity: 1, "line-color": "#555", width: 1.4 } },
    ],
    layout: { name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: false,
              ...coseBudget(body.accounts.length + body.evidence.length), idealEdgeLength: () => 40,
              nodeRepulsion: () => 9000, gravity: 0.6, componentSpacing: 60 },
  });
  graph.on("tap", "node, edge", (event) => {
    // Edges end at a node's border, within the click tolerance of a small node's centre: a click inside a
    // node's box is about that node, whatever cytoscape picked.
    const target = event.target.isEdge() ? nodeAt(event.position) || event.target : event.target;
    if (target !== event.target) {
      event.target.unselect();
      target.select();
    }
    graph.elements().removeClass("neighbour");
    target.connectedEdges().addClass("neighbour");
    showDetails(target);
  });
  graph.on("tap", (event) => {
    if (event.target === graph) graph.elements().removeClass("neighbour");
  });
  window.sockhoundGraph = graph;
  window.sockhoundLayoutMs = Math.round(performance.now() - started);
}

function drawLegend(body) {
  const shownKinds = body.kinds.filter((kind) => kind.shown > 0);
  const legend = document.getElementById("legend");
  legend.replaceChildren(
    ...Object.entries(VERDICT_COLOURS).map(([verdict, colour]) => element("span", {},
      swatch(colour, "round"), `account: ${verdict}`)),
    ...shownKinds.map((kind) => element("span", {}, swatch(kindOf(kind.kind).colour, ""),
      `${kindOf(kind.kind).name}: ${kind.shown}${kind.available > kind.shown ? ` of ${kind.available}` : ""}`)),
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
  const truncated = body.truncated
    ? ` Drawn: the ${body.accounts.length} riskiest members and at most ${body.evidence_per_kind} evidence nodes per kind.`
    : "";
  document.getElementById("summary").textContent =
    `risk ${percent(network.risk)} · ${network.size} members · ${network.status} · run ${network.run_id || "—"}.${truncated}`;
}

async function load() {
  if (!apiKey()) {
    showMessage(message, "Enter an API key with the read scope to see this network.");
    document.body.dataset.state = "needs-key";
    return;
  }
  document.body.dataset.state = "loading";
  showMessage(message, "");
  const path = `/v1/networks/${encodeURIComponent(networkId)}`;
  try {
    const [network, body] = await Promise.all([getJson(path), getJson(`${path}/graph`)]);
    drawSummary(network, body);
    drawLegend(body);
    if (graph) graph.destroy();
    drawGraph(body);
    document.body.dataset.state = "ready";
  } catch (error) {
    showMessage(message, explain(error, `no network “${networkId}”`));
    document.body.dataset.state = "error";
  }
}

takeKeyFromFragment();
keyForm(document.getElementById("key-form"), load);
load();

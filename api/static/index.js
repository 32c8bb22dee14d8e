// The networks list: every network (riskiest first), each linking to its evidence page.
import { element, explain, getJson, keyForm, showMessage, takeKeyFromFragment, apiKey } from "./session.js";

const message = document.getElementById("message");

async function load() {
  if (!apiKey()) {
    showMessage(message, "Enter an API key with the read scope to list the networks.");
    document.body.dataset.state = "needs-key";
    return;
  }
  try {
    const page = await getJson("/v1/networks?status=any&limit=500");
    const rows = document.querySelector("#networks tbody");
    rows.replaceChildren(...page.networks.map((network) => element("tr", {},
      element("td", {}, element("a", { href: `/ui/networks/${encodeURIComponent(network.network_id)}` },
                                network.network_id)),
      element("td", { class: `verdict ${network.verdict || "clear"}` }, network.verdict || "—"),
      element("td", {}, network.risk.toFixed(3)),
      element("td", {}, network.size),
      element("td", {}, network.status))));
    showMessage(message, page.networks.length ? "" : "No networks yet: run `sockhound detect`.");
    document.body.dataset.state = "ready";
  } catch (error) {
    showMessage(message, explain(error, "networks"));
    document.body.dataset.state = "error";
  }
}

takeKeyFromFragment();
keyForm(document.getElementById("key-form"), load);
load();

// The ops console's actions. Every form of class "api" is sent by fetch to the
// admin API route in its action, with the session cookie and the CSRF token: the
// console has no write path of its own. The API's field errors are put next to
// their fields. A refresh in progress is followed by polling the runs route.
(function () {
  "use strict";

  const POLL_MS = 1000;
  const POLL_LIMIT = 600;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function api(method, url, body) {
    const options = { method: method, credentials: "same-origin",
                      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      return { ok: false, status: 0, data: { error: "The server could not be reached: " + error.message } };
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    return { ok: response.ok, status: response.status, data: data };
  }

  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

  // What a control sends: its data-type says how to read it.
  function valueOf(el) {
    const raw = el.value;
    switch (el.dataset.type) {
      case "bool":
        return el.type === "checkbox" ? el.checked : raw === "true";
      case "int":
        return /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
      case "json":
        try { return JSON.parse(raw || "{}"); } catch (error) { return raw; }
      case "datetime":
        if (!raw) return undefined;
        return isNaN(new Date(raw)) ? raw : new Date(raw).toISOString();
      default:
        return raw;
    }
  }

  function bodyOf(form) {
    const kind = form.dataset.body;
    if (kind === "none") return undefined;
    if (kind === "null") return null;
    const out = {};
    (form.dataset.lists || "").split(" ").filter(Boolean).forEach((name) => { out[name] = []; });
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.name === "csrf_token") continue;
      const value = valueOf(el);
      if (value === undefined) continue;
      const nested = el.name.match(/^(\w+)\[(\d+)\]\.(\w+)$/);
      if (nested) {
        const list = out[nested[1]] || (out[nested[1]] = []);
        const entry = list[Number(nested[2])] || (list[Number(nested[2])] = {});
        entry[nested[3]] = value;
      } else {
        out[el.name] = value;
      }
    }
    return out;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const summary = form.querySelector(".form-error");
    if (summary) summary.textContent = "";
  }

  function showErrors(form, response) {
    const data = response.data || {};
    const fields = data.fields || {};
    const unplaced = [];
    let first = null;
    for (const [name, message] of Object.entries(fields)) {
      const slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
      const input = form.querySelector('[name="' + CSS.escape(name) + '"]');
      if (slot) {
        slot.textContent = message;
        if (input) {
          input.setAttribute("aria-invalid", "true");
          first = first || input;
        }
      } else {
        unplaced.push(name + ": " + message);
      }
    }
    const summary = form.querySelector(".form-error");
    const said = data.error && !(data.fields && data.error.startsWith("invalid request")) ? data.error : "";
    const fallback = Object.keys(fields).length ? "" : "Refused (" + response.status + ").";
    summary.textContent = [said || fallback].concat(unplaced).filter(Boolean).join(" ");
    (first || summary).focus();
  }

  function setBusy(form, busy) {
    const button = form.querySelector('button[type="submit"]');
    const status = form.querySelector(".status");
    if (!button) return;
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = button.dataset.busy || "Working…";
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      if (status) status.textContent = button.dataset.busy || "Working…";
    } else {
      button.textContent = button.dataset.label || button.textContent;
      button.disabled = false;
      form.removeAttribute("aria-busy");
      if (status) status.textContent = "";
    }
  }

  async function submit(event) {
    const form = event.target;
    if (!form.classList || !form.classList.contains("api")) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    clearErrors(form);
    setBusy(form, true);
    const response = await api(form.dataset.method || "POST", form.getAttribute("action"), bodyOf(form));
    if (!response.ok) {
      setBusy(form, false);
      showErrors(form, response);
      return;
    }
    after(form, response.data || {});
  }

  function after(form, data) {
    const then = form.dataset.then || "reload";
    if (then === "reload") {
      window.location.reload();
    } else if (then.startsWith("go:")) {
      window.location.assign(then.slice(3).replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(data[key])));
    } else if (then === "run") {
      setBusy(form, false);
      followRun(form.dataset.source, data.run_id);
    } else if (then === "show") {
      setBusy(form, false);
      showDryRun(document.querySelector('[data-result-for="' + form.id + '"]'), data);
    }
  }

  // A refresh in progress: its run's state, then the publish that follows it.
  async function followRun(sourceId, runId) {
    const line = document.querySelector('[data-run-for="' + sourceId + '"]');
    if (!line) return;
    line.textContent = "Refresh queued…";
    for (let i = 0; i < POLL_LIMIT; i++) {
      const response = await api("GET", "/admin/api/sources/" + sourceId + "/runs?limit=20");
      const run = response.ok ? response.data.runs.find((r) => r.id === Number(runId)) : null;
      if (run && run.status === "running") line.textContent = "Refreshing…";
      if (run && run.status !== "queued" && run.status !== "running") {
        finished(line, run);
        return;
      }
      await sleep(POLL_MS);
    }
    line.textContent = "Still not finished: see the source's run history.";
  }

  function finished(line, run) {
    if (run.status === "error") {
      line.textContent = "Refresh failed: " + run.error;
      line.classList.add("failed");
      return;
    }
    line.textContent = "Refresh " + (run.status === "ok" ? "ok" : "done, not modified") + ": " + run.new +
      " new, " + run.updated + " updated, " + run.unchanged + " unchanged.";
    if (run.new || run.updated) followPublish(line);
  }

  async function followPublish(line) {
    const page = document.getElementById("channel-page") || document.getElementById("source-page");
    if (!page) return;
    const before = Number(page.dataset.latestPublish || 0);
    if (page.dataset.held) {
      line.append(" The channel is held: nothing is published until it is released.");
      return;
    }
    const note = document.createElement("span");
    note.textContent = " Publishing…";
    line.append(note);
    for (let i = 0; i < 60; i++) {
      const response = await api("GET", "/admin/api/channels/" + page.dataset.channel + "/publishes?limit=1");
      const newest = response.ok && response.data.publishes[0];
      if (newest && newest.id > before) {
        note.textContent = " Published (publish " + newest.id + ", " + (newest.carried["roku.json"] || 0) + " items on the TV). ";
        const link = document.createElement("a");
        link.href = window.location.pathname;
        link.textContent = "Show it";
        note.append(link);
        return;
      }
      await sleep(POLL_MS);
    }
    note.textContent = " No new publish yet: see the publish history.";
  }

  function listOf(title, entries) {
    const section = document.createElement("div");
    const heading = document.createElement("h4");
    heading.textContent = title;
    const list = document.createElement("ul");
    entries.forEach((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      list.append(item);
    });
    section.append(heading, list);
    return section;
  }

  function showDryRun(box, data) {
    if (!box) return;
    box.replaceChildren();
    const summary = document.createElement("p");
    summary.textContent = "A publish now would make: " + data.diff.summary + ".";
    box.append(summary);
    for (const kind of ["added", "removed", "changed"]) {
      const entries = data.diff.items[kind];
      if (entries.length) box.append(listOf("Items " + kind, entries.map((e) => e.title || e.id)));
    }
    const left = data.report.left_out || [];
    if (left.length) box.append(listOf("Left out", left.map((e) => e.id + ": " + e.reason)));
    box.hidden = false;
    box.focus();
  }

  // Rows: move, remove and add, renumbering the fields as the API names them.
  function renumber(list) {
    list.querySelectorAll("[data-row]").forEach((row, index) => {
      row.querySelectorAll("[data-field]").forEach((input) => {
        const field = input.dataset.field;
        input.name = "rows[" + index + "]." + field;
        input.id = "rows-" + index + "-" + field;
        input.setAttribute("aria-describedby", input.id + "-error");
        const label = input.closest(".field").querySelector("label");
        label.htmlFor = input.id;
        const slot = input.closest(".field").querySelector("[data-error-for]");
        slot.id = input.id + "-error";
        slot.dataset.errorFor = input.name;
      });
    });
  }

  function rowsClick(event) {
    const button = event.target.closest("button");
    if (!button) return;
    const form = button.closest("form");
    const list = form && form.querySelector("[data-rows]");
    if (!list) return;
    const row = button.closest("[data-row]");
    if (button.hasAttribute("data-row-add")) {
      const template = form.querySelector("#row-template");
      list.append(template.content.cloneNode(true));
      renumber(list);
      list.lastElementChild.querySelector("input").focus();
    } else if (button.hasAttribute("data-row-remove")) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(list);
      (next ? next.querySelector("input") : form.querySelector("[data-row-add]")).focus();
    } else if (button.dataset.rowMove) {
      const other = button.dataset.rowMove === "-1" ? row.previousElementSibling : row.nextElementSibling;
      if (!other) return;
      if (button.dataset.rowMove === "-1") list.insertBefore(row, other); else list.insertBefore(other, row);
      renumber(list);
      button.focus();
    }
  }

  // Import: each planned change is a call of the admin API, one after another.
  async function runImport(button) {
    const plan = JSON.parse(document.getElementById("import-plan").textContent);
    const status = document.getElementById("import-status");
    button.disabled = true;
    status.textContent = button.dataset.busy;
    let done = 0;
    let refused = 0;
    for (const [index, step] of plan.entries()) {
      if (!step.method) continue;
      const cell = document.querySelector('[data-step="' + index + '"] .step-result');
      const response = await api(step.method, step.url, step.body);
      if (response.ok) {
        done += 1;
        cell.textContent = step.action === "add" ? "added" : "updated";
      } else {
        refused += 1;
        const data = response.data || {};
        const fields = Object.entries(data.fields || {}).map(([name, message]) => name + ": " + message);
        cell.textContent = "refused: " + ([data.error].concat(fields).filter(Boolean).join("; "));
      }
    }
    status.textContent = done + " done, " + refused + " refused by the API.";
  }

  document.addEventListener("submit", submit);
  document.addEventListener("click", (event) => {
    if (event.target.closest("#rows")) rowsClick(event);
    if (event.target.id === "import-run") runImport(event.target);
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-active-run]").forEach((line) => {
      followRun(line.dataset.runFor, line.dataset.activeRun);
    });
  });
})();

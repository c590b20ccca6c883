// The provisioning log, live: rows arrive as server-sent events, and a
// row that changed employees refreshes the employees table.
"use strict";
(function () {
  const section = document.getElementById("log-section");
  if (!section) return;
  const tbody = document.querySelector("#log tbody");
  const live = document.getElementById("live");
  const maxRows = 300;

  function td(text, className) {
    const c = document.createElement("td");
    c.textContent = text;
    if (className) c.className = className;
    return c;
  }

  // row builds what the "logrow" template renders.
  function row(e) {
    const tr = document.createElement("tr");
    tr.dataset.seq = e.seq;
    if (e.failed) tr.className = "failed";
    else if (e.bulkFailed) tr.className = "partial";
    tr.append(td(e.time), td(e.method), td(e.path, "path"), td(String(e.status)), td(e.duration));
    const what = document.createElement("td");
    function line(text, className) {
      const d = document.createElement("div");
      d.textContent = text;
      if (className) d.className = className;
      what.append(d);
      return d;
    }
    if (e.bulk) {
      const d = line("bulk of " + e.bulk + " operations", "hint bulk");
      if (e.bulkFailed > 0) {
        const s = document.createElement("span");
        s.className = "error";
        s.textContent = e.bulkFailed + " failed";
        d.append(", ", s);
      } else if (e.bulkFailed < 0) {
        d.append(", failures not counted (the response was too large)");
      }
    }
    for (const c of e.changes || []) line(c);
    for (const f of e.failures || []) line(f, "error failure");
    if (e.error) line(e.error, "error");
    tr.append(what);
    return tr;
  }

  let refreshing = false, again = false;
  async function refreshEmployees() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const res = await fetch("/employees" + location.search, { credentials: "same-origin" });
      if (res.ok) {
        const holder = document.createElement("div");
        holder.innerHTML = await res.text();
        const fresh = holder.querySelector("#employees-section");
        const current = document.getElementById("employees-section");
        if (fresh && current) current.replaceWith(fresh);
      }
    } finally {
      refreshing = false;
      if (again) { again = false; refreshEmployees(); }
    }
  }

  const events = new EventSource("/events?after=" + encodeURIComponent(section.dataset.after || "0"));
  events.addEventListener("open", function () {
    live.textContent = "live";
    live.className = "live on";
  });
  events.addEventListener("error", function () {
    // A stream refused (signed out, too many open pages) is not retried.
    live.textContent = events.readyState === EventSource.CLOSED ? "stopped: reload the page" : "reconnecting…";
    live.className = "live off";
  });
  events.addEventListener("entry", function (ev) {
    const e = JSON.parse(ev.data);
    tbody.prepend(row(e));
    while (tbody.rows.length > maxRows) tbody.deleteRow(-1);
    if (e.changes && e.changes.length) refreshEmployees();
  });
})();

"use strict";
// The page's only script (served from /app.js: the Content-Security-Policy allows no inline
// script). Every answer comes from /api/<command>, the same JSON as the CLI's --json.
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const MARK = { ok: "✓", info: "i", warn: "!", fail: "✗" };
const redacted = () => $("redact").checked;
const api = (command, params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== "" && v !== false) q.set(k, v === true ? "1" : v);
  if (redacted()) q.set("redact", "1");
  const s = q.toString();
  return "/api/" + command + (s ? "?" + s : "");
};

// Check id → the command that verifies it, from the check catalog (/api/checks).
let COMMANDS = {};
fetch("/api/checks").then((r) => r.json()).then((list) => {
  for (const c of list) COMMANDS[c.id] = c.command;
}).catch(() => {});
const verifyCommand = (check) => COMMANDS[check] || "restore-doctor checkup --only " + check;

function renderFinding(f) {
  const ev = (f.evidence || []).map((e) => {
    const loc = e.line ? "line " + e.line + ": " : (e.source ? e.source + ": " : "");
    return `<div class="ev">${esc(loc + e.text)}</div>${e.why ? `<div class="why">→ ${esc(e.why)}</div>` : ""}`;
  }).join("");
  const rem = (f.remedies || []).map((r) =>
    `<li>${esc(r.text)}${r.check ? `<div class="verify">verify: ${esc(verifyCommand(r.check))}</div>` : ""}</li>`).join("");
  const conf = f.confidence ? ", " + f.confidence + " confidence" : "";
  return `<div class="finding ${esc(f.severity)}" data-id="${esc(f.id)}">
    <h3>${MARK[f.severity] || ""} ${esc(f.title)}<span class="tag">[${esc(f.family)}${esc(conf)}]</span></h3>
    <p>${esc(f.explanation)}</p>
    ${ev ? "<strong>Evidence</strong>" + ev : ""}
    ${rem ? "<strong>What to do</strong><ol>" + rem + "</ol>" : ""}
    ${(f.error_codes || []).length ? `<div class="tag">Shows up as restore error(s): ${esc(f.error_codes.join(", "))}</div>` : ""}
  </div>`;
}

function renderReport(r) {
  const s = r.summary || {};
  return `<div class="summary">${s.ok || 0} ok, ${s.info || 0} info, ${s.warn || 0} warning(s), ${s.fail || 0} failure(s)</div>` +
    (r.findings || []).map(renderFinding).join("");
}

function table(rows) {
  return "<table>" + rows.filter(([, v]) => v).map(([k, v]) => `<tr><td><strong>${esc(k)}</strong></td><td>${esc(v)}</td></tr>`).join("") + "</table>";
}

function renderDiagnosis(d) {
  const facts = [["Format", d.format], ["Outcome", d.outcome + " — " + d.category + " (" + d.confidence + " confidence)"]];
  if (d.failed_stage) facts.push(["Failed at", d.failed_stage.name]);
  if (d.device) facts.push(["Device", [d.device.name, d.device.product_type, d.device.board].filter(Boolean).join(", ")]);
  if (d.target) facts.push(["Firmware", [d.target.version, d.target.build].filter(Boolean).join(" ")]);
  if (d.settle) facts.push(["What would settle it", d.settle]);
  return `<div class="diagnosis">${table(facts)}${(d.findings || []).map(renderFinding).join("")}</div>`;
}

function renderDevice(d) {
  const name = d.model ? `${d.model.name} — ${d.model.product_type}, ${d.model.board}` : (d.usb_name || "Apple device");
  return `<div class="device"><strong>${esc(name)}</strong>${table([
    ["Mode", d.mode_label],
    ["ECID", d.ecid],
    ["Speed", d.speed],
    ["Path", d.location + ((d.hubs || []).length ? " via " + d.hubs.length + " hub(s)" : " (directly on the computer)")],
  ])}</div>`;
}

function renderDevices(r) {
  const list = (r.devices || []).map(renderDevice).join("");
  return `<p class="tag">USB via ${esc(r.source)}: ${(r.devices || []).length} Apple device(s), ${r.other_usb_devices || 0} other device(s)</p>` + list + renderReport(r);
}

function renderSteps(s) {
  const steps = s.plan.steps.map((st) => `<li>${esc(st.text)}${st.seconds ? ` <span class="tag">${esc(st.seconds)} s</span>` : ""}</li>`).join("");
  return `<h3>${esc(s.device)} — ${esc(s.plan.target)}</h3><p class="tag">Applies to: ${esc(s.plan.applies_to)}</p>
    <ol class="steps">${steps}</ol>${s.plan.success ? `<p>It worked when: ${esc(s.plan.success)}</p>` : ""}
    <p>${esc(s.recovery_enough)}</p><p>${esc(s.dfu_needed)}</p><p>${esc(s.exit)}</p>`;
}

function renderSigned(r) {
  const sources = (r.sources || []).map((s) => `<li>${esc(s.source)} (${esc(s.url)}), ${esc(s.when)}: ${esc(s.said)}</li>`).join("");
  return renderReport(r) + (sources ? `<strong>Sources</strong><ul>${sources}</ul>` : "");
}

function renderErrors(l) {
  const rows = (l.entries || []).map((e) => `<tr><td>${esc(e.code)}</td><td class="tag">${esc(e.family)}</td><td>${esc(e.title)}</td></tr>`).join("");
  return `<p>${(l.entries || []).length} known restore errors</p><table>${rows}</table>`;
}

async function call(out, url, opts, render) {
  out.innerHTML = "<p>Working…</p>";
  try {
    const res = await fetch(url, opts);
    const body = await res.json();
    out.innerHTML = res.ok ? render(body) : `<p class="err">${esc(body.error || res.statusText)}</p>`;
  } catch (e) {
    out.innerHTML = `<p class="err">${esc(e.message)}</p>`;
  }
}

function renderFound(l) {
  if (!(l.logs || []).length) return `<p>No restore logs found in the ${esc(l.platform)} folders under ${esc(l.home)}.</p>`;
  const rows = l.logs.map((f, i) => `<tr><td><button class="go alt" type="button" data-found="${i}">Diagnose</button></td>
    <td>${esc(f.path)}<div class="tag">${esc(new Date(f.modified_unix * 1000).toLocaleString())} · ${esc(f.tool)} · ${esc(f.size)} bytes${f.device ? " · " + esc(f.device) : ""}</div></td></tr>`).join("");
  return `<p>${l.logs.length} restore log(s), newest first:</p><table class="found">${rows}</table>`;
}

function renderHistory(h) {
  if (!(h.devices || []).length) return `<p class="tag">No restore attempts recorded yet (${esc(h.store)}).</p>`;
  return h.devices.map((d) => {
    const rows = d.attempts.map((a) => `<li>${esc(new Date(a.at * 1000).toLocaleString())}: ${esc(a.outcome || "not recognised")}${a.stage ? " at " + esc(a.stage) : ""} [${esc(a.family)}]${a.tool ? " (" + esc(a.tool) + ")" : ""}${(a.error_codes || []).length ? ", errors " + esc(a.error_codes.join(", ")) : ""}</li>`).join("");
    return `<div class="device"><strong>Device ${esc(d.device)}</strong> ${esc(d.product_type || "")}<ol>${rows}</ol></div>`;
  }).join("") + (h.notice ? `<p class="err">${esc(h.notice)}</p>` : "");
}

// One line of the live restore timeline (the objects of `watch --json`).
function timelineText(e) {
  const who = e.device ? e.device.name + " (" + e.device.location + ")" : "";
  switch (e.event) {
    case "started": return "watching USB (" + e.bus + ") and " + (e.log_dirs || []).length + " log folder(s)";
    case "bus_unavailable": return "USB cannot be read: " + e.reason;
    case "arrived": return who + " arrived in " + e.mode_label;
    case "mode_changed": return who + " is now in " + e.mode_label;
    case "left": return who + " left USB" + (e.stage ? " during " + e.stage : "");
    case "log_opened": return "following " + e.path;
    case "stage": return "log: " + e.stage;
    case "restore_ended": return (e.ending === "success" ? "restore finished: " : "restore failed: ") + e.reason;
    case "diagnosis": return (e.provisional ? "so far: " : "diagnosis: ") + e.summary;
    case "stopped": return "stopped watching";
    default: return e.event;
  }
}

// Saves a download from the API (a Blob, so an error can be shown instead of saved).
async function download(out, url) {
  out.innerHTML = "<p>Working…</p>";
  try {
    const res = await fetch(url);
    if (!res.ok) {
      const body = await res.json();
      out.innerHTML = `<p class="err">${esc(body.error || res.statusText)}</p>`;
      return;
    }
    const name = (/filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "") || [])[1] || "restore-doctor-report";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await res.blob());
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    out.innerHTML = `<p>Saved ${esc(name)}.</p>`;
  } catch (e) {
    out.innerHTML = `<p class="err">${esc(e.message)}</p>`;
  }
}

function selectTab(name) {
  document.querySelectorAll("nav button").forEach((x) => x.setAttribute("aria-selected", x.dataset.tab === name));
  document.querySelectorAll("main section").forEach((s) => s.classList.toggle("active", s.id === "tab-" + name));
}

// Server-sent events: one stream at a time per tab, closed on its "end" event.
function live(url, handlers, onEnd) {
  const source = new EventSource(url);
  for (const [name, fn] of Object.entries(handlers)) source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  const stop = () => { source.close(); onEnd(); };
  source.addEventListener("end", stop);
  source.onerror = () => { if (source.readyState !== EventSource.OPEN) stop(); };
  return stop;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => selectTab(b.dataset.tab)));

  $("form-error").addEventListener("submit", (e) => {
    e.preventDefault();
    call($("out-error"), api("error", { q: $("q").value }), {}, renderReport);
  });
  $("run-errors").addEventListener("click", () => call($("out-errors"), api("errors", { family: $("errors-family").value }), {}, renderErrors));

  $("form-log").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("logfile").files[0];
    // A File is streamed as it is read; the server diagnoses it as it arrives.
    const body = file || $("logtext").value;
    call($("out-log"), api("log", { name: file ? file.name : "" }), { method: "POST", body, headers: { "Content-Type": "text/plain" } }, renderDiagnosis);
  });

  $("form-checkup").addEventListener("submit", (e) => {
    e.preventDefault();
    call($("out-checkup"), api("checkup", { need: $("need").value, only: $("only").value.trim(), skip: $("skip").value.trim() }), {}, renderReport);
  });

  let stopDevices = null;
  $("run-devices").addEventListener("click", () => call($("out-devices"), api("devices", {}), {}, renderDevices));
  $("watch-devices").addEventListener("click", () => {
    if (stopDevices) stopDevices();
    $("changes").innerHTML = "";
    $("stop-devices").hidden = false;
    stopDevices = live(api("devices", { watch: true }), {
      devices: (r) => { $("out-devices").innerHTML = renderDevices(r); },
      change: (c) => {
        const what = c.event === "mode_changed" ? `${c.device.mode_label} (was ${c.from})` : c.event === "left" ? "left" : "arrived in " + c.device.mode_label;
        $("changes").insertAdjacentHTML("beforeend", `<li>${esc((c.at_ms / 1000).toFixed(2))} s: ${esc(c.device.model ? c.device.model.name : c.device.usb_name)} ${esc(what)}</li>`);
      },
      problem: (p) => { $("out-devices").innerHTML = `<p class="err">${esc(p.error)}</p>`; },
    }, () => { $("stop-devices").hidden = true; stopDevices = null; });
  });
  $("stop-devices").addEventListener("click", () => stopDevices && stopDevices());

  const dfuParams = (extra) => ({ device: $("dfu-device").value.trim(), recovery: $("dfu-recovery").checked, ...extra });
  $("dfu-steps").addEventListener("click", () => call($("out-dfu"), api("dfu", dfuParams({})), {}, renderSteps));
  let stopDfu = null;
  $("form-dfu").addEventListener("submit", (e) => {
    e.preventDefault();
    if (stopDfu) stopDfu();
    $("out-dfu").innerHTML = "";
    $("dfu-bus").innerHTML = "";
    $("dfu-step").textContent = "Starting…";
    $("dfu-count").textContent = "";
    $("dfu-cue").textContent = "";
    $("dfu-live").hidden = false;
    $("dfu-stop").hidden = false;
    $("dfu-live").dataset.state = "running";
    stopDfu = live(api("dfu", dfuParams({ watch: true })), {
      start: (s) => { $("out-dfu").innerHTML = `<p><strong>${esc(s.device)} → ${esc(s.target)}</strong></p>${s.note ? `<p class="err">${esc(s.note)}</p>` : ""}<p>${esc(s.intro)}</p>`; },
      step: (s) => { $("dfu-step").textContent = `Step ${s.step.number}/${s.total}: ${s.step.text}`; $("dfu-count").textContent = s.step.seconds ? s.step.seconds + " s" : ""; $("dfu-cue").textContent = s.step.cue; },
      tick: (t) => { $("dfu-count").textContent = t.remaining + " s"; $("dfu-cue").textContent = t.cue; },
      settling: (s) => { $("dfu-step").textContent = `Keep holding; watching USB for ${s.seconds} s more…`; $("dfu-count").textContent = ""; },
      bus: (b) => { $("dfu-bus").insertAdjacentHTML("beforeend", `<li>${esc((b.at_ms / 1000).toFixed(2))} s: ${esc(b.text)}</li>`); },
      done: (d) => {
        $("dfu-live").dataset.state = "done";
        $("dfu-count").textContent = "";
        $("dfu-cue").textContent = "";
        $("dfu-step").textContent = d.outcome && (d.outcome.outcome === "reached" || d.outcome.outcome === "already_there") ? "Done: the mode changed." : "Stopped.";
        $("out-dfu").insertAdjacentHTML("beforeend", renderReport(d.report));
      },
      problem: (p) => { $("dfu-live").dataset.state = "done"; $("out-dfu").innerHTML = `<p class="err">${esc(p.error)}</p>`; },
    }, () => { $("dfu-stop").hidden = true; stopDfu = null; });
  });
  $("dfu-stop").addEventListener("click", () => stopDfu && stopDfu());

  $("form-ipsw").addEventListener("submit", (e) => {
    e.preventDefault();
    call($("out-ipsw"), api("ipsw", { target: $("ipsw-target").value.trim(), device: $("ipsw-device").value.trim(), verify: $("ipsw-verify").checked }), {}, renderReport);
  });

  $("form-signed").addEventListener("submit", (e) => {
    e.preventDefault();
    call($("out-signed"), api("signed", { device: $("signed-device").value.trim(), target: $("signed-target").value.trim() }), {}, renderSigned);
  });

  $("run-found").addEventListener("click", () => {
    $("out-found-log").innerHTML = "";
    call($("out-found"), api("logs", {}), {}, renderFound);
    call($("out-history"), api("history", {}), {}, renderHistory);
  });
  // The server reads the log it found itself: the page names it by its place in the list.
  $("out-found").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-found]");
    if (b) call($("out-found-log"), api("log", { found: b.dataset.found }), {}, renderDiagnosis);
  });

  let stopWatch = null;
  $("watch-start").addEventListener("click", () => {
    if (stopWatch) stopWatch();
    $("timeline").innerHTML = "";
    $("out-watch").innerHTML = "";
    $("watch-stop").hidden = false;
    stopWatch = live(api("watch", {}), {
      timeline: (e) => {
        $("timeline").insertAdjacentHTML("beforeend", `<li data-event="${esc(e.event)}">${esc(e.time)} ${esc(timelineText(e))}</li>`);
        if (e.event === "diagnosis" && e.diagnosis) $("out-watch").innerHTML = renderDiagnosis(e.diagnosis);
      },
      problem: (p) => { $("out-watch").innerHTML = `<p class="err">${esc(p.error)}</p>`; },
    }, () => { $("watch-stop").hidden = true; stopWatch = null; });
  });
  $("watch-stop").addEventListener("click", () => stopWatch && stopWatch());

  const reportUrl = (format) => {
    const q = new URLSearchParams({ format });
    if ($("report-keep").checked) q.set("no_redact", "1");
    if ($("report-no-checkup").checked) q.set("no_checkup", "1");
    return "/api/report?" + q;
  };
  $("report-html").addEventListener("click", () => download($("out-report"), reportUrl("html")));
  $("report-md").addEventListener("click", () => download($("out-report"), reportUrl("md")));

  // A link like /?q=4013 opens straight on that error's explanation (easy to share).
  const initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    $("q").value = initial;
    $("form-error").requestSubmit();
  }
});

// End-to-end test of the local web page in a real browser: Debian's chromium driven by
// playwright-core. It starts `restore-doctor serve` on a free loopback port with a recorded USB
// bus (an iPhone 8 in Recovery that flips to DFU) and a sped-up clock, then pastes a log and sees
// the diagnosis, looks an error up, and walks the DFU helper until the mode flips. Screenshots
// go to target/e2e/ (kept as CI artifacts).
//
// Run: (cd crates/web/e2e && npm ci && node --test page.test.mjs)
// Needs: target/debug/restore-doctor (or RD_BIN), /usr/bin/chromium (or CHROMIUM).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const bin = process.env.RD_BIN || join(root, "target", "debug", "restore-doctor");
const shots = join(root, "target", "e2e");
const fixture = (rel) => join(root, "crates", rel);

let server;
let base;
let browser;

function startServer() {
  return new Promise((resolve, reject) => {
    // An empty home folder and data folder: no restore logs, no attempts of the user's own.
    const home = mkdtempSync(join(tmpdir(), "rd-e2e-home-"));
    server = spawn(bin, ["serve", "--port", "0", "--home", home, "--platform", "linux"], {
      env: {
        ...process.env,
        RESTORE_DOCTOR_DATA_DIR: mkdtempSync(join(tmpdir(), "rd-e2e-data-")),
        NO_COLOR: "1",
        RESTORE_DOCTOR_FAKE_USB: fixture("device/tests/fixtures/iphone8_recovery_to_dfu.json"),
        // Four times real time: the countdown is visible, the walk takes seconds.
        RESTORE_DOCTOR_CLOCK: "x4",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  base = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

async function page(viewport) {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  const problems = [];
  p.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  p.on("pageerror", (e) => problems.push(e.message));
  await p.goto(base + "/");
  return { p, problems };
}

test("a pasted log is diagnosed and an error is explained", async () => {
  const { p, problems } = await page({ width: 1200, height: 900 });
  await p.fill("#q", "4013");
  await p.click("#form-error button[type=submit]");
  const finding = p.locator("#out-error .finding").first();
  await finding.waitFor();
  assert.match(await finding.innerText(), /4013|USB|connection/i);

  await p.click("nav button[data-tab=log]");
  const log = readFileSync(fixture("logs/tests/fixtures/idr_tss_not_signed.log"), "utf8");
  await p.fill("#logtext", log);
  await p.click("#run-log");
  const diagnosis = p.locator("#out-log .diagnosis");
  await diagnosis.waitFor();
  const text = await diagnosis.innerText();
  assert.match(text, /failure/);
  assert.match(text, /signing/);
  assert.ok(await p.locator("#out-log .finding.fail").count() >= 1, text);
  await p.screenshot({ path: join(shots, "log-diagnosis.png"), fullPage: true });
  assert.deepEqual(problems, []);
});

test("the DFU helper counts down and stops when the mode flips (phone-sized window)", async () => {
  const { p, problems } = await page({ width: 390, height: 844 });
  await p.click("nav button[data-tab=dfu]");
  await p.fill("#dfu-device", "iPhone10,4");
  await p.click("#dfu-start");
  await p.locator("#dfu-count", { hasText: /^\d+ s$/ }).waitFor({ timeout: 30_000 });
  await p.screenshot({ path: join(shots, "dfu-countdown-phone.png"), fullPage: true });
  await p.locator("#dfu-live[data-state=done]").waitFor({ timeout: 60_000 });
  const result = p.locator('#out-dfu .finding[data-id="dfu.reached"]');
  await result.waitFor();
  assert.match(await result.innerText(), /DFU mode/);
  assert.match(await p.locator("#dfu-bus").innerText(), /left USB[\s\S]*DFU/);
  assert.equal(await p.locator("#dfu-count").innerText(), "", "the countdown stopped");
  // Nothing overflows sideways on a phone.
  const wide = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `page is ${wide}px wide`);
  await p.screenshot({ path: join(shots, "dfu-done-phone.png"), fullPage: true });
  assert.deepEqual(problems, []);
});

test("the report button saves a redacted report file", async () => {
  const { p, problems } = await page({ width: 1200, height: 900 });
  await p.click("nav button[data-tab=report]");
  await p.check("#report-no-checkup");
  const [response, download] = await Promise.all([
    p.waitForResponse((r) => r.url().includes("/api/report")),
    p.waitForEvent("download"),
    p.click("#report-html"),
  ]);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-disposition"], /^attachment; filename="restore-doctor-report\.html"$/);
  assert.equal(download.suggestedFilename(), "restore-doctor-report.html");
  const html = readFileSync(await download.path(), "utf8");
  assert.match(html, /iPhone/);
  // The recorded bus's ECID (iphone8_recovery_to_dfu.json) is masked.
  const fixtureText = readFileSync(fixture("device/tests/fixtures/iphone8_recovery_to_dfu.json"), "utf8");
  const ecid = /ECID:([0-9A-F]+)/i.exec(fixtureText)[1].replace(/^0+/, "");
  assert.ok(!html.toUpperCase().includes(ecid.toUpperCase()), "ECID leaked");
  await p.locator("#out-report", { hasText: "Saved" }).waitFor();
  assert.deepEqual(problems, []);
});

// A raw request with the headers exactly as given (fetch() would fix Host and Origin).
function raw(path, headers) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers, setHost: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the server refuses other sites and rebound names, and scripts still work", async () => {
  const host = new URL(base).host;
  assert.equal(await raw("/api/devices", { Host: host, Origin: "http://evil.example" }), 403);
  assert.equal(await raw("/api/devices", { Host: "evil.example:" + new URL(base).port }), 403);
  assert.equal(await raw("/api/devices", { Host: host, "Sec-Fetch-Site": "cross-site" }), 403);
  assert.equal(await raw("/api/error?q=4013", { Host: host }), 200);
});

// End-to-end test of the sign-in flow in a real browser: `rowgate demo`
// serves its page at /app/; two people sign up in separate browser
// contexts, keep notes, see only their own, and sign out. Then Better
// Auth's own JavaScript client, unchanged, signs up and in against
// rowgate's auth routes.
//
// Environment: ROWGATE_BIN (the rowgate binary, required),
// ROWGATE_DEMO_DB_URI (a superuser URL of an empty database to install the
// demo in; without it the demo starts a throwaway cluster), CHROMIUM (the
// browser, default /usr/bin/chromium). Only loopback addresses are used:
// the browser is started with its background networking off, and every
// request to another host is aborted and fails the test.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";

import { chromium } from "playwright-core";
import { createAuthClient } from "better-auth/client";

const bin = process.env.ROWGATE_BIN;
const dbURI = process.env.ROWGATE_DEMO_DB_URI;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

// The flags keep Chromium off the network except for the page under test.
// Playwright gives every launch a fresh temporary --user-data-dir of its own.
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let demo;
let demoOutput = "";
let base;
let browser;
const offLoopback = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (demo.exitCode !== null) {
      throw new Error(`rowgate demo exited with ${demo.exitCode}:\n${demoOutput}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`rowgate demo not ready:\n${demoOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  assert.ok(bin, "set ROWGATE_BIN to the rowgate binary");
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const args = ["demo", "--port", String(port)];
  if (dbURI) args.push("--db-uri", dbURI);
  demo = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  demo.stdout.on("data", (d) => (demoOutput += d));
  demo.stderr.on("data", (d) => (demoOutput += d));
  await waitReady(`${base}/app/`, 120_000);

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (demo.exitCode === null) demo.kill("SIGKILL");
  }
});

// newUser opens a browser context of its own that may only talk to the demo.
async function newUser() {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === "127.0.0.1" || host === "localhost" || host === "[::1]") return route.continue();
    offLoopback.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error("page error:", err.message));
  await page.goto(`${base}/app/`);
  await page.waitForSelector("body[data-ready=true]");
  return { context, page };
}

async function signUp(page, name, email, password) {
  await page.fill("#signup-name", name);
  await page.fill("#signup-email", email);
  await page.fill("#signup-password", password);
  await page.click("#signup-submit");
  await page.waitForSelector("#signed-in:not([hidden])");
  await page.waitForSelector("#notes[data-count]", { state: "attached" }); // the first list has loaded
  assert.equal(await page.textContent("#whoami"), email);
}

async function addNote(page, title, body) {
  const before = Number((await page.getAttribute("#notes", "data-count")) ?? 0);
  await page.fill("#note-title", title);
  await page.fill("#note-body", body);
  await page.click("#note-add");
  await page.waitForSelector(`#notes[data-count="${before + 1}"]`);
}

const shownTitles = (page) => page.$$eval("#notes .note-title", (els) => els.map((e) => e.textContent));

// inPage calls the Data API or the auth routes from the page, as its own
// scripts do: same origin, the session cookie sent by the browser.
const inPage = (page, path, init) =>
  page.evaluate(
    async ([path, init]) => {
      const res = await fetch(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    [path, init ?? {}],
  );

test("two people keep their own notes in the browser; sign-out ends access", async () => {
  const stamp = Date.now();
  const ann = { name: "Ann", email: `ann.${stamp}@example.com`, password: "ann's long password" };
  const ben = { name: "Ben", email: `ben.${stamp}@example.com`, password: "ben's long password" };
  const a = await newUser();
  const b = await newUser();

  // Both sign up on the page and add notes.
  await signUp(a.page, ann.name, ann.email, ann.password);
  await signUp(b.page, ben.name, ben.email, ben.password);
  await addNote(a.page, "ann: groceries", "apples");
  await addNote(b.page, "ben: plans", "paint the fence");
  await addNote(a.page, "ann: secret", "the cake is a lie");
  await addNote(b.page, "ben: secret", "under the mat");

  // The session is an HttpOnly cookie: scripts cannot read it.
  const cookies = await a.context.cookies(base);
  const session = cookies.find((c) => c.name === "neonauth.session_token");
  assert.ok(session, `no session cookie in ${JSON.stringify(cookies)}`);
  assert.equal(session.httpOnly, true);
  assert.ok(!(await a.page.evaluate(() => document.cookie)).includes("session_token"));

  // Each sees only their own notes, on the page and through the Data API.
  assert.deepEqual(await shownTitles(a.page), ["ann: secret", "ann: groceries"]);
  assert.deepEqual(await shownTitles(b.page), ["ben: secret", "ben: plans"]);
  const all = await inPage(a.page, "/notes?select=title,public");
  assert.equal(all.status, 200);
  const annSees = all.body.filter((n) => !n.public).map((n) => n.title).sort();
  assert.deepEqual(annSees, ["ann: groceries", "ann: secret"]);
  const benAll = await inPage(b.page, "/notes?select=title&public=is.false");
  assert.deepEqual(benAll.body.map((n) => n.title).sort(), ["ben: plans", "ben: secret"]);

  // Ben cannot touch Ann's notes: RLS matches no row.
  const annID = (await inPage(a.page, "/auth/get-session")).body.user.id;
  const hack = await inPage(b.page, `/notes?owner=eq.${annID}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Prefer: "return=representation" },
    body: JSON.stringify({ title: "hacked" }),
  });
  assert.equal(hack.status, 200);
  assert.deepEqual(hack.body, []);

  // Ann signs out: the page, the auth routes and the Data API all forget her.
  await a.page.click("#signout");
  await a.page.waitForSelector("#signed-out:not([hidden])");
  assert.equal((await inPage(a.page, "/auth/get-session")).body, null);
  assert.deepEqual((await inPage(a.page, `/notes?owner=eq.${annID}`)).body, []);
  assert.equal((await inPage(a.page, "/auth/token")).status, 401);

  // Her old cookie, put back, is dead too: sign-out revoked the session.
  await a.context.addCookies([session]);
  assert.equal((await inPage(a.page, "/auth/get-session")).body, null);
  assert.deepEqual((await inPage(a.page, `/notes?owner=eq.${annID}`)).body, []);
  const denied = await inPage(a.page, "/notes", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ title: "after sign-out" }),
  });
  assert.ok(denied.status === 401 || denied.status === 403, `insert after sign-out: ${denied.status}`);

  // Ben is still signed in; Ann signs in again and finds her notes.
  await b.page.reload();
  await b.page.waitForSelector("#signed-in:not([hidden])");
  await b.page.waitForSelector('#notes[data-count="2"]');
  assert.deepEqual(await shownTitles(b.page), ["ben: secret", "ben: plans"]);
  await a.page.fill("#signin-email", ann.email);
  await a.page.fill("#signin-password", "not her password");
  await a.page.click("#signin-submit");
  await a.page.waitForFunction(() => document.getElementById("message").textContent !== "");
  assert.equal(await a.page.textContent("#message"), "Invalid email or password");
  await a.page.fill("#signin-email", ann.email);
  await a.page.fill("#signin-password", ann.password);
  await a.page.click("#signin-submit");
  await a.page.waitForSelector("#signed-in:not([hidden])");
  await a.page.waitForSelector('#notes[data-count="2"]');
  assert.deepEqual(await shownTitles(a.page), ["ann: secret", "ann: groceries"]);

  await a.context.close();
  await b.context.close();
  assert.deepEqual(offLoopback, [], "the browser tried to leave the loopback interface");
});

test("Better Auth's JavaScript client signs up and in against rowgate", async () => {
  // The client is used as published; only its base URL points at rowgate.
  let setCookie = [];
  const client = createAuthClient({
    baseURL: `${base}/auth`,
    fetchOptions: {
      onResponse: (ctx) => {
        const got = ctx.response.headers.getSetCookie();
        if (got.length) setCookie = got;
      },
    },
  });
  const cookieHeader = () => setCookie.map((c) => c.split(";")[0]).join("; ");
  const email = `cli.${Date.now()}@example.com`;
  const password = "client's long password";

  // Sign up: a user and a session cookie.
  const up = await client.signUp.email({ email, password, name: "Client" });
  assert.equal(up.error, null, JSON.stringify(up.error));
  assert.equal(up.data.user.email, email);
  assert.ok(up.data.token);
  assert.match(setCookie.join("\n"), /neonauth\.session_token=.*HttpOnly/i);

  const fetchOptions = () => ({ headers: { cookie: cookieHeader() } });
  const got = await client.getSession({ fetchOptions: fetchOptions() });
  assert.equal(got.error, null, JSON.stringify(got.error));
  assert.equal(got.data.user.email, email);
  assert.equal(got.data.user.id, up.data.user.id);

  // A wrong password gets Better Auth's error code.
  const wrong = await client.signIn.email({ email, password: "wrong password!" });
  assert.equal(wrong.data, null);
  assert.equal(wrong.error.status, 401);
  assert.equal(wrong.error.code, "INVALID_EMAIL_OR_PASSWORD");

  // Sign in: a fresh session.
  const inn = await client.signIn.email({ email, password });
  assert.equal(inn.error, null, JSON.stringify(inn.error));
  assert.equal(inn.data.user.id, up.data.user.id);
  assert.notEqual(inn.data.token, up.data.token);

  // The JWT from /token works as a bearer token on the Data API.
  const tok = await client.$fetch("/token", fetchOptions());
  assert.equal(tok.error, null, JSON.stringify(tok.error));
  const jwt = tok.data.token;
  const claims = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
  assert.equal(claims.sub, up.data.user.id);
  assert.equal(claims.email, email);
  assert.equal(claims.role, "authenticated");
  assert.equal(claims.exp - claims.iat, 900);
  const headers = { Authorization: `Bearer ${jwt}`, "Content-Type": "application/json" };
  let res = await fetch(`${base}/profiles`, { method: "POST", headers, body: JSON.stringify({ username: email }) });
  assert.equal(res.status, 201, await res.text());
  res = await fetch(`${base}/notes`, {
    method: "POST",
    headers: { ...headers, Prefer: "return=representation" },
    body: JSON.stringify({ title: "from the client" }),
  });
  assert.equal(res.status, 201);
  assert.equal((await res.json())[0].owner, up.data.user.id);

  // The JWKS the token verifies against is published.
  const keys = await (await fetch(`${base}/auth/jwks`)).json();
  const kid = JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString()).kid;
  assert.ok(keys.keys.some((k) => k.kid === kid && k.kty === "OKP" && !k.d));

  // Sign out ends the session.
  const out = await client.signOut({ fetchOptions: fetchOptions() });
  assert.equal(out.error, null, JSON.stringify(out.error));
  const gone = await client.getSession({ fetchOptions: { headers: { cookie: `neonauth.session_token=${inn.data.token}` } } });
  assert.equal(gone.data, null);
});

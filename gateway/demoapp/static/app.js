// The demo page: the auth routes for sign-up, sign-in and sign-out, and
// the Data API for notes. Every request is same-origin, so the browser
// sends the HttpOnly session cookie and no token is ever handled here.
"use strict";

const authPrefix = document.querySelector('meta[name="rowgate-auth-prefix"]').content;
const $ = (id) => document.getElementById(id);
let me = null;

function say(text) {
  $("message").textContent = text || "";
}

// api calls path and returns the parsed JSON body, or throws an Error
// carrying the server's message.
async function api(path, options = {}) {
  const res = await fetch(path, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", ...(options.body ? { "Content-Type": "application/json" } : {}), ...options.headers },
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error((body && body.message) || res.statusText);
    err.status = res.status;
    throw err;
  }
  return body;
}

const auth = (route, body) =>
  api(authPrefix + route, body ? { method: "POST", body: JSON.stringify(body) } : {});

async function showSession() {
  // Forget the last user's list; data-count reappears once notes load.
  $("notes").replaceChildren();
  delete $("notes").dataset.count;
  const session = await auth("/get-session");
  me = session && session.user;
  $("signed-out").hidden = !!me;
  $("signed-in").hidden = !me;
  if (me) {
    $("whoami").textContent = me.email;
    await ensureProfile();
    await loadNotes();
  }
}

// Notes belong to a profile; the first visit makes one (a second attempt
// is ignored as a duplicate).
async function ensureProfile() {
  await api("/profiles", {
    method: "POST",
    headers: { Prefer: "resolution=ignore-duplicates,return=minimal" },
    body: JSON.stringify({ id: me.id, username: me.email, display_name: me.name }),
  });
}

async function loadNotes() {
  const q = new URLSearchParams({ select: "id,title,body", owner: "eq." + me.id, order: "id.desc" });
  const notes = await api("/notes?" + q);
  const list = $("notes");
  list.replaceChildren();
  for (const n of notes) {
    const li = document.createElement("li");
    li.className = "note";
    li.dataset.id = n.id;
    const title = document.createElement("strong");
    title.className = "note-title";
    title.textContent = n.title;
    li.append(title);
    if (n.body) {
      const body = document.createElement("p");
      body.textContent = n.body;
      li.append(body);
    }
    list.append(li);
  }
  list.dataset.count = String(notes.length);
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    try {
      await handler();
    } catch (err) {
      say(err.message);
    }
  });
}

onSubmit("signup-form", async () => {
  await auth("/sign-up/email", {
    name: $("signup-name").value,
    email: $("signup-email").value,
    password: $("signup-password").value,
  });
  $("signup-form").reset();
  await showSession();
});

onSubmit("signin-form", async () => {
  await auth("/sign-in/email", { email: $("signin-email").value, password: $("signin-password").value });
  $("signin-form").reset();
  await showSession();
});

onSubmit("note-form", async () => {
  await api("/notes", {
    method: "POST",
    headers: { Prefer: "return=minimal" },
    body: JSON.stringify({ title: $("note-title").value, body: $("note-body").value }),
  });
  $("note-form").reset();
  await loadNotes();
});

$("signout").addEventListener("click", async () => {
  say("");
  try {
    await auth("/sign-out", {});
    await showSession();
  } catch (err) {
    say(err.message);
  }
});

showSession().then(() => document.body.dataset.ready = "true", (err) => say(err.message));

// 智拍 staff console: the pages are rendered by the server; this script
// sends their forms to the JSON API (/api/v1/staff/...) with the session's
// CSRF token and shows the answers' Chinese messages. Values are set as
// text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

async function call(method, path, body) {
  const headers = { "X-CSRF-Token": csrf() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) { throw new Error("网络连接失败，请检查网络后重试。"); }
  if (res.status === 204) return null;
  let data = {};
  try { data = await res.json(); } catch (e) { /* not JSON */ }
  if (!res.ok) {
    const err = new Error(data.message || "操作失败，请稍后重试。");
    err.code = data.code;
    throw err;
  }
  return data;
}

function showError(id, e) { const el = $(id); el.textContent = e ? e.message : ""; el.hidden = !e; }

function onSubmit(formID, errID, fn) {
  const form = $(formID);
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const btn = form.querySelector("button[type=submit]");
    btn.disabled = true; showError(errID, null);
    try { await fn(); } catch (e) { showError(errID, e); } finally { btn.disabled = false; }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  onSubmit("signin-form", "signin-error", async () => {
    const r = await call("POST", "/api/v1/staff/auth/signin", { login: $("login").value, password: $("password").value, totp: $("totp").value.trim() });
    location.href = r.must_change_password ? "/console/password" : "/console/";
  });
  onSubmit("password-form", "password-error", async () => {
    await call("POST", "/api/v1/staff/auth/password", { old_password: $("old-password").value, new_password: $("new-password").value });
    location.href = "/console/";
  });
  const out = (path) => async () => { try { await call("POST", path); } finally { location.href = "/console/signin"; } };
  if ($("signout")) $("signout").addEventListener("click", out("/api/v1/staff/auth/signout"));
  if ($("signout-all")) $("signout-all").addEventListener("click", out("/api/v1/staff/auth/signout-all"));
});

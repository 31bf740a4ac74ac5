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
  rosterPage();
  onSubmit("campaign-form", "campaign-error", async () => {
    const when = (id) => { const v = $(id).value; if (!v) throw new Error("请填写开始和结束时间。"); return new Date(v).toISOString(); };
    await call("POST", "/api/v1/staff/campaigns", {
      name: $("c-name").value, kind: $("c-kind").value, spec: $("c-spec").value,
      opens_at: when("c-opens"), closes_at: when("c-closes"), max_uploads: parseInt($("c-uploads").value, 10),
      join_code: $("c-code").value.trim(), allow_album: $("c-album").checked, require_id_images: $("c-idimages").checked });
    location.href = "/console/";
  });
  const out = (path) => async () => { try { await call("POST", path); } finally { location.href = "/console/signin"; } };
  if ($("signout")) $("signout").addEventListener("click", out("/api/v1/staff/auth/signout"));
  if ($("signout-all")) $("signout-all").addEventListener("click", out("/api/v1/staff/auth/signout-all"));
});

// rosterPage checks a roster file (dry run), shows every row's problem,
// offers them as a spreadsheet, and imports once nothing is wrong.
function rosterPage() {
  const box = $("roster");
  if (!box) return;
  const path = `/api/v1/staff/campaigns/${box.dataset.campaign}/roster`;
  const send = async (query) => {
    const f = $("roster-file").files[0];
    if (!f) throw new Error("请先选择名单文件。");
    const name = encodeURIComponent(f.name);
    const res = await fetch(`${path}?name=${name}${query}`, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Content-Type": f.name.toLowerCase().endsWith(".csv") ? "text/csv" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
      body: await f.arrayBuffer() });
    if (!res.ok) { let d = {}; try { d = await res.json(); } catch (e) { /* not JSON */ } throw new Error(d.message || "操作失败，请稍后重试。"); }
    return res;
  };
  const show = (rep) => {
    const tbody = $("roster-problems").querySelector("tbody");
    tbody.replaceChildren(...rep.errors.map((e) => {
      const tr = document.createElement("tr");
      for (const v of [e.row, e.column, e.reason]) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
      return tr;
    }));
    $("roster-problems").hidden = rep.errors.length === 0;
    $("roster-errors").hidden = rep.errors.length === 0;
    $("roster-import").disabled = rep.errors.length > 0 || rep.rows === 0;
    $("roster-summary").textContent = rep.imported ? `已导入 ${rep.rows} 行：新增 ${rep.created} 人，更新 ${rep.updated} 人。`
      : rep.errors.length ? `共 ${rep.rows} 行，其中 ${rep.errors.length} 处问题，请改好后重新检查。` : `共 ${rep.rows} 行，全部正确，可以导入。`;
  };
  const act = (btn, fn) => btn.addEventListener("click", async () => {
    btn.disabled = true; showError("roster-error", null);
    try { await fn(); } catch (e) { showError("roster-error", e); } finally { btn.disabled = btn.id === "roster-import" && !$("roster-problems").hidden; }
  });
  act($("roster-check"), async () => show(await (await send("&dry_run=1")).json()));
  act($("roster-import"), async () => show(await (await send("")).json()));
  act($("roster-errors"), async () => {
    const blob = await (await send("&dry_run=1&format=xlsx")).blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = "名单错误.xlsx"; a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  $("roster-file").addEventListener("change", () => { $("roster-import").disabled = true; $("roster-summary").textContent = ""; });
}

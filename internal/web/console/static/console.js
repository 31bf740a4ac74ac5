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
  campaignForm();
  studentsPage();
  staffPage();
  queuePage();
  exportPage();
  workPage();
  ticketPage();
  remindButtons();
  onSubmit("support-form", "support-error", async () => {
    await call("POST", "/api/v1/staff/support-access", { school_id: parseInt($("sa-school").value, 10), reason: $("sa-reason").value.trim() });
    location.reload();
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
  let columns = {}; // the school's own mapping of headers to fields
  const body = async () => {
    const f = $("roster-file").files[0];
    if (!f) throw new Error("请先选择名单文件。");
    return { f, type: f.name.toLowerCase().endsWith(".csv") ? "text/csv" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data: await f.arrayBuffer() };
  };
  const url = (f, query) => `${path}?name=${encodeURIComponent(f.name)}&columns=${encodeURIComponent(JSON.stringify(columns))}${query}`;
  const send = async (query) => {
    const { f, type, data } = await body();
    const res = await fetch(url(f, query), { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf(), "Content-Type": type }, body: data });
    if (!res.ok) { let d = {}; try { d = await res.json(); } catch (e) { /* not JSON */ } throw new Error(d.message || "操作失败，请稍后重试。"); }
    return res;
  };
  // stream runs a check or an import with a progress bar: the answer is
  // NDJSON lines of {done, total}, then {report} or {error}.
  const stream = async (query) => {
    const res = await send(query + "&progress=1");
    const bar = $("roster-progress"), text = $("roster-progress-text");
    $("roster-progress-box").hidden = false;
    bar.value = 0; text.textContent = "正在处理…";
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "", last = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)); buf = buf.slice(nl + 1);
        if (msg.total) { bar.max = msg.total; bar.value = msg.done; text.textContent = `${Math.round(100 * msg.done / msg.total)}%`; }
        if (msg.report || msg.error) last = msg;
      }
      if (done) break;
    }
    $("roster-progress-box").hidden = true;
    if (!last) throw new Error("网络连接中断，请重试。");
    if (last.error) throw new Error(last.error.message);
    return last.report;
  };
  const mapping = (rep) => {
    const tmpl = $("roster-field-options");
    const tbody = $("roster-columns").querySelector("tbody");
    tbody.replaceChildren(...(rep.columns || []).map((c) => {
      const tr = document.createElement("tr");
      const th = document.createElement("td"); th.textContent = c.header || "（空表头）";
      const td = document.createElement("td");
      const sel = document.createElement("select");
      sel.append(tmpl.content.cloneNode(true));
      sel.value = c.field || "";
      sel.setAttribute("aria-label", `“${c.header}”对应`);
      sel.addEventListener("change", () => { columns[c.header] = sel.value; $("roster-import").disabled = true; $("roster-summary").textContent = "对应已修改，请重新检查。"; });
      td.append(sel); tr.append(th, td);
      return tr;
    }));
    $("roster-mapping").hidden = !(rep.columns && rep.columns.length);
  };
  const show = (rep) => {
    mapping(rep);
    const tbody = $("roster-problems").querySelector("tbody");
    tbody.replaceChildren(...rep.errors.map((e) => {
      const tr = document.createElement("tr");
      for (const v of [e.row, e.column, e.reason]) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
      return tr;
    }));
    const missing = rep.missing && rep.missing.length;
    $("roster-problems").hidden = rep.errors.length === 0;
    $("roster-errors").hidden = rep.errors.length === 0;
    $("roster-import").disabled = missing || rep.errors.length > 0 || rep.rows === 0;
    $("roster-summary").textContent = missing ? `找不到“${rep.missing.join("”“")}”列：请在上方“列的对应”中选择，然后重新检查。`
      : rep.imported ? `已导入 ${rep.rows} 行：新增 ${rep.created} 人，更新 ${rep.updated} 人。`
      : rep.errors.length ? `共 ${rep.rows} 行，其中 ${rep.errors.length} 处问题，请改好后重新检查。` : `共 ${rep.rows} 行，全部正确，可以导入。`;
  };
  const act = (btn, fn) => btn.addEventListener("click", async () => {
    btn.disabled = true; showError("roster-error", null);
    try { await fn(); } catch (e) { showError("roster-error", e); $("roster-progress-box").hidden = true; } finally { if (btn.id !== "roster-import") btn.disabled = false; }
  });
  act($("roster-check"), async () => show(await stream("&dry_run=1")));
  act($("roster-import"), async () => show(await stream("")));
  act($("roster-errors"), async () => {
    const blob = await (await send("&dry_run=1&format=xlsx")).blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = "名单错误.xlsx"; a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  $("roster-file").addEventListener("change", () => { columns = {}; $("roster-import").disabled = true; $("roster-summary").textContent = ""; $("roster-mapping").hidden = true; });
}

// campaignForm creates a campaign, or saves a campaign's settings: the
// reasons in use with their text (all of them, as built in, is sent as
// none chosen, so that later wording of the built-in advice reaches it).
function campaignForm() {
  const form = $("campaign-form");
  if (!form) return;
  onSubmit("campaign-form", "campaign-error", async () => {
    const when = (id) => { const v = $(id).value; if (!v) throw new Error("请填写开始和结束时间。"); return new Date(v).toISOString(); };
    const rows = [...document.querySelectorAll("#c-reasons tbody tr")];
    const used = rows.filter((tr) => tr.querySelector(".r-use").checked);
    if (used.length === 0) throw new Error("至少要使用一个驳回原因。");
    const asBuilt = used.length === rows.length && used.every((tr) => tr.querySelector(".r-text").value.trim() === tr.dataset.default);
    const body = {
      name: $("c-name").value, kind: $("c-kind").value, spec: $("c-spec").value,
      opens_at: when("c-opens"), closes_at: when("c-closes"), max_uploads: parseInt($("c-uploads").value, 10),
      review_days: parseInt($("c-days").value, 10), join_code: $("c-code").value.trim(),
      allow_album: $("c-album").checked, require_id_images: $("c-idimages").checked, roster_optional: $("c-roster-optional").checked,
      second_review: $("c-second-review").checked, sample_percent: parseInt($("c-sample").value, 10) || 0,
      reasons: asBuilt ? [] : used.map((tr) => ({ code: tr.dataset.code, text: tr.querySelector(".r-text").value.trim() })) };
    if (form.dataset.id) {
      await call("PUT", `/api/v1/staff/campaigns/${form.dataset.id}`, body);
      $("campaign-saved").hidden = false;
      setTimeout(() => { $("campaign-saved").hidden = true; }, 3000);
      if ($("poster-qr")) $("poster-qr").src = $("poster-qr").src.split("?")[0] + "?t=" + Date.now();
    } else {
      const c = await call("POST", "/api/v1/staff/campaigns", body);
      location.href = `/console/campaigns/${c.id}`;
    }
  });
}

// studentsPage reveals a full ID number after asking for the reason.
function studentsPage() {
  const table = $("students");
  if (!table) return;
  table.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button.exempt");
    if (!btn) return;
    const exempt = btn.dataset.exempt !== "true";
    const reason = exempt ? prompt("免采原因（如：已线下采集、保留入学资格），记入审计日志：") : "";
    if (reason === null) return;
    try { await call("PUT", `/api/v1/staff/students/${btn.dataset.id}/exempt`, { exempt, reason: reason.trim() }); location.reload(); }
    catch (e) { toast(e.message); }
  });
  if (table.dataset.reveal !== "true") return;
  const dlg = $("reveal-dialog");
  let target = null;
  table.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button.reveal");
    if (!btn) return;
    target = btn;
    showError("reveal-error", null);
    dlg.showModal();
    $("reveal-reason").focus();
  });
  $("reveal-cancel").addEventListener("click", () => dlg.close());
  $("reveal-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await call("POST", `/api/v1/staff/students/${target.dataset.id}/reveal`, { reason: $("reveal-reason").value.trim() });
      target.closest("td").querySelector("code.doc").textContent = r.doc_number;
      target.remove();
      dlg.close();
    } catch (e) { showError("reveal-error", e); }
  });
}

// staffPage creates accounts (showing the one-time password and the TOTP
// QR code once), saves counsellors' classes, disables and enables
// accounts, and saves the IP allow-list.
function staffPage() {
  onSubmit("staff-form", "staff-error", async () => {
    const body = { name: $("s-name").value.trim(), login: $("s-login").value.trim(), role: $("s-role").value, college: $("s-college").value.trim() };
    if ($("s-school") && $("s-school").value) body.school_id = parseInt($("s-school").value, 10);
    const r = await call("POST", "/api/v1/staff/users", body);
    $("new-login").textContent = r.login;
    $("new-password").textContent = r.password;
    $("new-secret").textContent = r.totp_secret;
    $("new-qr").src = r.otpauth_qr_png;
    $("staff-created").hidden = false;
    $("staff-form").reset();
  });
  const list = $("staff-list");
  if (list) list.addEventListener("click", async (ev) => {
    const tr = ev.target.closest("tr");
    showError("staff-list-error", null);
    try {
      if (ev.target.matches("button.save-classes")) {
        const classes = [...tr.querySelector("select.classes").selectedOptions].map((o) => o.value);
        await call("PUT", `/api/v1/staff/users/${tr.dataset.id}/classes`, { classes });
        ev.target.textContent = "已保存";
      } else if (ev.target.matches("button.toggle")) {
        await call("PUT", `/api/v1/staff/users/${tr.dataset.id}/disabled`, { disabled: ev.target.dataset.disabled !== "true" });
        location.reload();
      }
    } catch (e) { showError("staff-list-error", e); }
  });
  onSubmit("ip-form", "ip-error", async () => {
    const r = await call("PUT", "/api/v1/staff/ip-allow", { list: $("ip-list").value });
    $("ip-list").value = r.list.split(",").filter(Boolean).join("\n");
    $("ip-saved").hidden = false;
  });
}

// queuePage selects the clean items of the page and batch-approves them.
function queuePage() {
  const table = $("queue");
  if (!table) return;
  const picks = () => [...table.querySelectorAll("input.pick:checked")].map((c) => parseInt(c.closest("tr").dataset.id, 10));
  const sync = () => { $("batch-approve").disabled = picks().length === 0; };
  table.addEventListener("change", sync);
  table.addEventListener("click", async (ev) => {
    const sample = ev.target.closest("button.sample-ok, button.sample-bad");
    if (sample) {
      const ok = sample.classList.contains("sample-ok");
      let body = { approve: true };
      if (!ok) {
        const codes = prompt("推翻的原因代码（如 R09，多个用逗号分隔）：");
        if (codes === null) return;
        body = { approve: false, reasons: codes.split(/[,，\s]+/).filter(Boolean), note: (prompt("给学生的备注（可不填）：") || "").trim() };
      }
      try { await call("POST", `/api/v1/staff/review/items/${sample.dataset.id}/sample`, body); sample.closest("tr").remove(); toast(ok ? "已确认通过。" : "已推翻，学生将收到驳回并重拍。"); }
      catch (e) { toast(e.message); }
      return;
    }
    const btn = ev.target.closest("button.unlock");
    if (!btn) return;
    const reason = prompt("解锁原因（学生会看到，2-200 个字）：");
    if (reason === null) return;
    try { await call("POST", `/api/v1/staff/review/items/${btn.dataset.id}/unlock`, { reason: reason.trim() }); btn.closest("tr").remove(); toast("已解锁，学生将收到驳回并可重拍。"); }
    catch (e) { toast(e.message); }
  });
  $("select-clean").addEventListener("change", (ev) => {
    for (const c of table.querySelectorAll("input.pick:not(:disabled)")) c.checked = ev.target.checked;
    sync();
  });
  // A range: the first N photos the checks passed cleanly, in queue order.
  $("select-first").addEventListener("input", (ev) => {
    let n = parseInt(ev.target.value, 10) || 0;
    for (const c of table.querySelectorAll("input.pick:not(:disabled)")) { c.checked = n > 0; n--; }
    sync();
  });
  let undo = { ids: [], timer: 0 };
  $("batch-approve").addEventListener("click", async () => {
    const ids = picks();
    try {
      const r = await call("POST", "/api/v1/staff/review/batch-approve", { ids });
      $("batch-result").textContent = `已通过 ${r.approved.length} 张${r.approved.length < ids.length ? `，${ids.length - r.approved.length} 张因正在被审核或已有变化未处理` : ""}。`;
      $("batch-result").hidden = false;
      for (const id of r.approved) table.querySelector(`tr[data-id="${id}"]`).remove();
      sync();
      // The undo window: until it ends the students have not been told.
      clearInterval(undo.timer);
      undo = { ids: r.approved, until: new Date(r.undo_until).getTime(), timer: 0 };
      const tick = () => {
        const left = Math.round((undo.until - Date.now()) / 1000);
        if (left <= 0 || !undo.ids.length) { clearInterval(undo.timer); $("batch-undo").hidden = true; return; }
        $("undo-left").textContent = String(left); $("batch-undo").hidden = false;
      };
      tick(); undo.timer = setInterval(tick, 1000);
    } catch (e) { toast(e.message); }
  });
  $("batch-undo").addEventListener("click", async () => {
    try {
      const r = await call("POST", "/api/v1/staff/review/undo", { ids: undo.ids });
      undo.ids = [];
      toast(`已撤销 ${r.undone.length} 张，它们回到待审核。`);
      setTimeout(() => location.reload(), 800);
    } catch (e) { toast(e.message); }
  });
}

// remindButtons send the bulk reminder of the progress page: the whole
// campaign in the caller's scope, or one class.
function remindButtons() {
  for (const btn of document.querySelectorAll("button.remind")) {
    btn.addEventListener("click", async () => {
      const where = btn.dataset.class ? `${btn.dataset.college} ${btn.dataset.class}` : "范围内";
      if (!confirm(`给${where}所有未完成的学生发提醒吗？`)) return;
      btn.disabled = true;
      try {
        const r = await call("POST", `/api/v1/staff/campaigns/${btn.dataset.campaign}/remind`, { college: btn.dataset.college || "", class: btn.dataset.class || "" });
        const msg = `已提醒 ${r.sent} 人` + (r.already ? `，${r.already} 人今天已提醒过` : "") + (r.no_account ? `，${r.no_account} 人尚未登录、无法通知（可下载未完成名单线下联系）` : "") + "。";
        if ($("remind-result")) { $("remind-result").textContent = msg; $("remind-result").hidden = false; }
        toast(msg);
      } catch (e) { toast(e.message); } finally { btn.disabled = false; }
    });
  }
}

// ticketPage answers a ticket, closes it, hands the photo back or
// corrects the roster row, each through the API.
function ticketPage() {
  const thread = $("ticket-thread");
  if (!thread) return;
  const id = thread.dataset.ticket, base = `/api/v1/staff/tickets/${id}`;
  onSubmit("answer-form", "answer-error", async () => { await call("POST", base + "/answer", { body: $("answer-body").value.trim() }); location.reload(); });
  if ($("ticket-close")) $("ticket-close").addEventListener("click", async () => {
    try { await call("POST", base + "/close"); location.reload(); } catch (e) { showError("answer-error", e); }
  });
  onSubmit("handback-form", "handback-error", async () => {
    await call("POST", base + "/hand-back", { reason: $("handback-reason").value.trim() });
    toast("已退回，学生会收到驳回和新的重拍期限。");
  });
  onSubmit("roster-fix-form", "fix-error", async () => {
    await call("PUT", base + "/roster", { name: $("fix-name").value, student_no: $("fix-student-no").value, exam_no: $("fix-exam-no").value,
      college: $("fix-college").value, major: $("fix-major").value, class: $("fix-class").value });
    toast("学籍信息已更正。");
  });
}

function toast(msg) {
  const t = $("toast");
  t.textContent = msg; t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

// workPage is the review screen: it claims the next item of the queue's
// filter (or the one asked for), shows the photos side by side with the
// automatic findings and the campaign's reasons (suggested ones first and
// pre-selected), and decides by keyboard: Enter approves and moves on,
// 1-9 toggle a reason, R rejects, S skips, the arrows look back at this
// session's decisions, ? shows the keys.
function workPage() {
  const box = $("work");
  if (!box) return;
  const query = box.dataset.query;
  let item = null, timer = null, busy = false;
  const history = []; let back = -1; // decided this session; back >= 0 while looking back
  const skipped = []; // skipped this session: the queue moves past them
  const img = (id, url) => { $(id).src = url; };
  const show = (v, readOnly) => {
    item = v;
    $("w-empty").hidden = true; $("w-item").hidden = false;
    $("w-title").textContent = `${v.name} · ${v.campaign}`;
    $("w-student").textContent = `证件号码 ${v.doc_masked} · 学号 ${v.student_no || "—"} · ${v.college} ${v.major} ${v.class} · 提交于 ${new Date(v.submitted_at).toLocaleString("zh-CN")}`;
    const base = `/api/v1/staff/review/items/${v.id}`;
    img("w-result", base + "/result.jpg");
    img("w-original", base + "/original");
    $("w-idcard-box").hidden = !v.has_id_card;
    if (v.has_id_card) img("w-idcard", base + "/idcard-portrait.jpg");
    $("w-first").hidden = !v.first_pass;
    if (v.first_pass) $("w-first").textContent = `初审（${v.first_pass.by}）：${v.first_pass.verdict === "approved" ? "通过" : "驳回 " + v.first_pass.reasons.join("、")}`;
    $("w-prev-box").hidden = !v.previous;
    if (v.previous) { img("w-prev", `/api/v1/staff/review/items/${v.previous.id}/result.jpg`); $("w-prev-cap").textContent = "上次被驳回：" + v.previous.reasons.join("、"); }
    $("w-findings").replaceChildren(...(v.findings.length ? v.findings : [null]).map((f) => {
      const li = document.createElement("li");
      li.textContent = f ? `${f.reason} ${f.title}：${f.message}` : "自动检测未发现问题。";
      if (f) li.className = f.severity;
      return li;
    }));
    const reasons = [...v.reasons].sort((a, b) => (b.suggested - a.suggested));
    $("w-reasons").replaceChildren(...reasons.map((r, i) => {
      const li = document.createElement("li");
      const label = document.createElement("label"); label.className = "check";
      const cb = document.createElement("input"); cb.type = "checkbox"; cb.value = r.code; cb.checked = r.suggested; cb.disabled = readOnly;
      label.append(cb, ` ${i < 9 ? "[" + (i + 1) + "] " : ""}${r.code} ${r.title}`);
      label.title = r.text;
      li.append(label);
      return li;
    }));
    $("w-note").value = ""; $("w-note").disabled = readOnly;
    for (const id of ["w-approve", "w-reject", "w-skip"]) $(id).disabled = readOnly;
    clearInterval(timer);
    const tick = () => {
      const left = Math.max(0, Math.round((new Date(v.claimed_until) - Date.now()) / 1000));
      $("w-timer").textContent = readOnly ? `已${v.decided}` : `锁定 ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      $("w-timer").className = "badge" + (!readOnly && left < 60 ? " state-rejected" : "");
    };
    tick(); if (!readOnly) timer = setInterval(tick, 1000);
  };
  const next = async (id) => {
    showError("w-error", null);
    try {
      const v = id ? await call("GET", `/api/v1/staff/review/items/${id}`) : await call("POST", "/api/v1/staff/review/next?" + query + (skipped.length ? "&skip=" + skipped.join(",") : ""));
      back = -1;
      if (!v) { item = null; clearInterval(timer); $("w-item").hidden = true; $("w-empty").hidden = false; $("w-timer").textContent = ""; $("w-title").textContent = "照片审核"; return; }
      show(v, false);
    } catch (e) { showError("w-error", e); if (id) return next(); }
  };
  const decide = async (approve) => {
    if (!item || busy || back >= 0) return;
    const reasons = [...$("w-reasons").querySelectorAll("input:checked")].map((c) => c.value);
    if (!approve && reasons.length === 0) { showError("w-error", new Error("请先选择至少一个驳回原因（数字键）。")); return; }
    busy = true;
    try {
      const r = await call("POST", `/api/v1/staff/review/items/${item.id}/decision`, { approve, reasons: approve ? [] : reasons, note: $("w-note").value.trim() });
      history.push({ ...item, decided: r.state_title });
      $("w-done").textContent = `${item.name}：${r.state_title}。本次已审核 ${history.length} 张。`;
      await next();
    } catch (e) { showError("w-error", e); } finally { busy = false; }
  };
  const skip = async () => {
    if (!item || busy || back >= 0) return;
    busy = true;
    try { await call("POST", `/api/v1/staff/review/items/${item.id}/skip`); skipped.push(item.id); await next(); } catch (e) { showError("w-error", e); } finally { busy = false; }
  };
  $("w-approve").addEventListener("click", () => decide(true));
  $("w-reject").addEventListener("click", () => decide(false));
  $("w-skip").addEventListener("click", skip);
  const help = $("w-help");
  $("w-help-close").addEventListener("click", () => help.close());
  let current = null;
  document.addEventListener("keydown", (ev) => {
    if (ev.target.id === "w-note" && ev.key !== "Enter") return;
    if (ev.key === "?") { help.open ? help.close() : help.showModal(); ev.preventDefault(); return; }
    if (help.open) return;
    const k = ev.key.toLowerCase();
    if (ev.key === "Enter") { ev.preventDefault(); decide(true); }
    else if (k === "r") decide(false);
    else if (k === "s") skip();
    else if (/^[1-9]$/.test(ev.key)) {
      const cb = $("w-reasons").querySelectorAll("input")[parseInt(ev.key, 10) - 1];
      if (cb && !cb.disabled) cb.checked = !cb.checked;
    } else if (ev.key === "ArrowLeft" && history.length) {
      if (back < 0) { current = item; back = history.length; }
      back = Math.max(0, back - 1);
      show(history[back], true);
    } else if (ev.key === "ArrowRight" && back >= 0) {
      back++;
      if (back >= history.length) { back = -1; if (current) show(current, false); } else show(history[back], true);
    }
  });
  next(parseInt(box.dataset.first, 10) || 0);
}

// exportPage starts an export and reloads while one is being built.
function exportPage() {
  const form = $("export-form");
  if (!form) return;
  $("x-preset").addEventListener("change", () => { if ($("x-preset").value) $("x-name").value = $("x-preset").value; else $("x-name").focus(); });
  onSubmit("export-form", "export-error", async () => {
    await call("POST", `/api/v1/staff/campaigns/${form.dataset.campaign}/exports`, {
      name: $("x-name").value.trim(), college: $("x-college").value.trim(), class: $("x-class").value.trim(),
      folders: $("x-folders").checked, since_last: $("x-since").checked, password: $("x-password").value,
      renditions: ["campaign", ...[...document.querySelectorAll("#x-renditions input:checked")].map((c) => c.value)] });
    location.reload();
  });
  if (document.querySelector('#exports tr[data-status="queued"]')) setTimeout(() => location.reload(), 1500);
}

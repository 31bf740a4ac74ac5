// 智拍 student H5: a small single-page app over /api/v1. Every text the
// student reads comes from here or from the API's Chinese messages; all
// values from the server are set as text, never as HTML.
"use strict";

const state = { csrf: "", me: null, polling: 0 };
const app = () => document.getElementById("app");

// h builds an element: h("p.muted#id", {attr}, children...).
function h(tag, attrs, ...children) {
  const m = tag.match(/^([a-z0-9]+)((?:[.#][\w-]+)*)$/i);
  const el = document.createElement(m[1]);
  for (const part of (m[2].match(/[.#][\w-]+/g) || [])) {
    if (part[0] === ".") el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) { children.unshift(attrs); attrs = null; }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function show(...nodes) {
  const a = app();
  a.replaceChildren(...nodes.flat(3).filter((n) => n != null && n !== false));
  window.scrollTo(0, 0);
}
function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(hideToast, 3500);
}
function hideToast() { clearTimeout(toast.timer); document.getElementById("toast").hidden = true; }
function title(text) { document.getElementById("top-title").textContent = text; document.title = text + " · 智拍"; }

class APIError extends Error {
  constructor(status, body) { super(body.message || "网络错误，请稍后重试"); this.status = status; this.code = body.code || "network"; }
}

// api calls the JSON API; a 401 sends the student to sign in.
async function api(method, path, body, headers) {
  const opts = { method, headers: Object.assign({}, headers), credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  let res;
  try { res = await fetch(path, opts); } catch (e) { throw new APIError(0, { message: "网络连接失败，请检查网络后重试" }); }
  if (res.status === 204) return null;
  let data = {};
  try { data = await res.json(); } catch (e) { /* not JSON */ }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith("/api/v1/auth/")) { state.me = null; go("#/login"); }
    throw new APIError(res.status, data);
  }
  return data;
}

// sendFile uploads a file with progress; retries on network errors and
// 429 (waiting Retry-After) with the same idempotency key, so a retry never
// makes a second upload.
function sendFile(method, path, file, key, onProgress, headers) {
  return new Promise((resolve, reject) => {
    let attempt = 0;
    const go = () => {
      attempt++;
      const x = new XMLHttpRequest();
      x.open(method, path);
      x.setRequestHeader("X-CSRF-Token", state.csrf);
      for (const [k, v] of Object.entries(headers || {})) x.setRequestHeader(k, v);
      x.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      if (key) x.setRequestHeader("Idempotency-Key", key);
      x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      x.onload = () => {
        let data = {};
        try { data = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
        if (x.status >= 200 && x.status < 300) return resolve(data);
        if (x.status === 429 && attempt < 6) {
          const wait = Math.min(60, parseInt(x.getResponseHeader("Retry-After") || "5", 10));
          toast(data.message || "排队中，稍后自动重试");
          return setTimeout(go, wait * 1000);
        }
        reject(new APIError(x.status, data));
      };
      x.onerror = () => {
        if (attempt < 4) return setTimeout(go, 1500 * attempt);
        reject(new APIError(0, { message: "网络连接中断，请检查网络后重试" }));
      };
      x.send(file);
    };
    go();
  });
}

// sendCard uploads a photo of the ID card and waits for its check, which
// runs as a job: the upload answers at once, the answer comes by long poll
// (however many cards wait for the cores on the first day of term). A
// refused photo throws its error, as the check in the request did.
async function sendCard(campaign, side, file, onProgress) {
  let c = await sendFile("PUT", `/api/v1/campaigns/${campaign}/id-images/${side}`, file, "", onProgress, { Prefer: "respond-async" });
  while (c.status === "checking") c = await api("GET", `/api/v1/id-checks/${c.id}?wait=25`);
  if (c.status === "accepted") return c;
  if (c.status === "superseded") throw new APIError(409, { message: "这张照片已被同一面新上传的照片替代。" });
  throw new APIError(422, c.error || {});
}

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16); crypto.getRandomValues(b);
  return Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
}

function fmtTime(s) {
  const d = new Date(s);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function errorBox(id) { return h("p.error#" + id, { hidden: true }); }
function setError(id, e) { const el = document.getElementById(id); if (el) { el.textContent = e ? e.message : ""; el.hidden = !e; } }

// busy disables a button while fn runs and shows its error.
async function busy(btn, errId, fn) {
  btn.disabled = true; setError(errId, null);
  try { await fn(); } catch (e) { setError(errId, e); } finally { btn.disabled = false; }
}

// ---- Routing ---------------------------------------------------------------

function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }

async function route() {
  clearTimeout(state.polling);
  const hash = location.hash || "#/";
  // A page change starts clean: the last page's message is not this one's.
  if (hash !== state.hash) hideToast();
  state.hash = hash;
  if (hash === "#/login") return loginPage();
  if (!state.me) {
    try {
      state.me = await api("GET", "/api/v1/me");
      state.csrf = state.me.csrf_token;
    } catch (e) { if (e.status !== 401) toast(e.message); return go("#/login"); }
  }
  document.getElementById("signout").hidden = false;
  refreshUnread();
  let m;
  if (hash === "#/inbox") return inboxPage();
  if (hash === "#/tickets") return ticketsPage();
  if ((m = hash.match(/^#\/tickets\/(\d+)$/))) return ticketPage(+m[1]);
  if ((m = hash.match(/^#\/c\/(\d+)\/help$/))) return helpPage(+m[1]);
  if ((m = hash.match(/^#\/c\/(\d+)$/))) return campaignPage(+m[1]);
  return homePage();
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  document.getElementById("signout").addEventListener("click", async () => {
    try { await api("POST", "/api/v1/auth/signout"); } catch (e) { /* signed out anyway */ }
    state.me = null; document.getElementById("signout").hidden = true; document.getElementById("inbox-link").hidden = true; go("#/login");
  });
  route();
});

// ---- Sign in -----------------------------------------------------------------

function loginPage() {
  title("登录");
  document.getElementById("signout").hidden = true;
  const phone = h("input#phone", { type: "tel", inputmode: "numeric", maxlength: "13", autocomplete: "tel", placeholder: "请输入手机号" });
  const code = h("input#code", { type: "text", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", placeholder: "6 位验证码" });
  const agree = h("input#agree", { type: "checkbox" });
  // The challenge before a code is sent: a sum drawn as an image, and the
  // same sum in words for a screen reader. Each is good for one try.
  const capImg = h("img#captcha-img", { alt: "图形验证", width: "200", height: "64" });
  const capQ = h("p.small.muted#captcha-question", { "aria-live": "polite" });
  const capIn = h("input#captcha-answer", { type: "text", inputmode: "numeric", maxlength: "3", autocomplete: "off", placeholder: "图中算式的结果" });
  let capID = "";
  const newCaptcha = async () => {
    try {
      const c = await api("GET", "/api/v1/auth/captcha");
      capID = c.id; capImg.src = c.image; capImg.alt = "图形验证：" + c.question; capQ.textContent = "看不清图片？文字题：" + c.question;
      capIn.value = "";
    } catch (e) { capQ.textContent = e.message; }
  };
  const capRefresh = h("button.link#captcha-refresh", { type: "button", onclick: newCaptcha }, "换一张");
  const send = h("button.secondary#send-code", { type: "button" }, "获取验证码");
  const login = h("button.block#login", { type: "submit" }, "登录");
  let timer = 0, left = 0;
  send.addEventListener("click", () => busy(send, "login-error", async () => {
    if (!agree.checked) throw new Error("请先阅读并勾选同意《用户协议》和《隐私政策》");
    if (!capIn.value.trim()) throw new Error("请先输入图中算式的结果。");
    let r;
    try { r = await api("POST", "/api/v1/auth/sms/send", { phone: phone.value, agreed: agree.checked, captcha_id: capID, captcha_answer: capIn.value }); }
    finally { newCaptcha(); } // spent, right or wrong
    toast("验证码已发送");
    left = r.cooldown_seconds || 60;
    clearInterval(timer);
    const tick = () => {
      if (left <= 0) { clearInterval(timer); send.disabled = false; send.textContent = "重新获取"; return; }
      send.textContent = `${left--} 秒后重发`; send.disabled = true;
    };
    tick(); timer = setInterval(tick, 1000);
    code.focus();
  }).then(() => { send.disabled = left > 0; })); // busy re-enables it; the cooldown keeps it off
  const form = h("form.card", { onsubmit: (e) => {
    e.preventDefault();
    busy(login, "login-error", async () => {
      if (!agree.checked) throw new Error("请先阅读并勾选同意《用户协议》和《隐私政策》");
      const r = await api("POST", "/api/v1/auth/sms/verify", { phone: phone.value, code: code.value, agreed: agree.checked });
      state.csrf = r.csrf_token; state.me = null; clearInterval(timer);
      go("#/");
    });
  } },
    h("label", { for: "phone" }, "手机号"), phone,
    h("label", { for: "captcha-answer" }, "图形验证"), h("div.row.captcha", capImg, capRefresh), capIn, capQ,
    h("label", { for: "code" }, "短信验证码"), h("div.row", code, send),
    h("label.check", agree, h("span", "我已阅读并同意",
      h("a", { href: "#agreement", onclick: (e) => { e.preventDefault(); document.getElementById("terms").open = true; } }, "《用户协议》"), "和",
      h("a", { href: "#privacy", onclick: (e) => { e.preventDefault(); document.getElementById("terms").open = true; } }, "《隐私政策》"))),
    errorBox("login-error"), login);
  newCaptcha();
  show(h("h1", "手机号登录"),
    h("p.muted", "新生证件照在线采集。未注册的手机号验证后自动创建账号。"), form,
    h("details.card#terms", h("summary", "用户协议与隐私政策摘要"),
      h("p.small", "本服务受学校委托，仅用于采集新生证件照。我们收集手机号用于登录；身份信息与照片的收集另行单独征得你的同意。"),
      h("p.small", "手机号加密保存，页面只显示部分号码；你可以随时退出登录，或联系学院查阅、更正、删除你的信息。")),
    h("p.muted.center.small", "使用微信小程序的同学请在小程序内登录。"));
}

// ---- Home: campaigns -----------------------------------------------------------

async function homePage() {
  title("选择采集");
  // The progress shown here changes with every step: read it anew.
  try { state.me = await api("GET", "/api/v1/me"); state.csrf = state.me.csrf_token; } catch (e) { if (e.status !== 401) toast(e.message); return; }
  const mine = state.me.campaigns || [];
  let open = [];
  try { open = await api("GET", "/api/v1/campaigns"); } catch (e) { toast(e.message); }
  const joined = new Set(mine.map((s) => s.campaign.id));
  const item = (c, st) => h("div.card.campaign", { "data-id": c.id },
    h("strong", c.school), h("div", `${c.name}（${c.kind_title}）`),
    h("p.muted.small", `采集时间：${fmtTime(c.opens_at)} 至 ${fmtTime(c.closes_at)}`),
    st ? h("p.small", "进度：", stepTitle(st)) : null,
    h("button.block" + (st ? "" : ".secondary"), { type: "button", onclick: () => go("#/c/" + c.id) }, st ? "继续" : "选择"));
  const codeIn = h("input#join-code", { type: "text", placeholder: "输入学校发布的特征码", autocapitalize: "characters" });
  const find = h("button.secondary#find-code", { type: "button" }, "查找");
  find.addEventListener("click", () => busy(find, "code-error", async () => {
    const c = await api("GET", "/api/v1/join-codes/" + encodeURIComponent(codeIn.value.trim()));
    go("#/c/" + c.id);
  }));
  show(
    mine.length ? h("h1", "我的采集") : null, mine.map((s) => item(s.campaign, s)),
    h("h2", "选择学校和采集类型"),
    open.filter((c) => !joined.has(c.id)).map((c) => item(c, null)),
    open.length === 0 ? h("p.muted", "暂时没有开放的采集。") : null,
    h("div.card", h("label", { for: "join-code" }, "有特征码？"), h("div.row", codeIn, find), errorBox("code-error")));
  // A campaign poster's QR code opens /?join=CODE: look the code up once,
  // after sign-in, then drop it from the address.
  const joinParam = new URLSearchParams(location.search).get("join");
  if (joinParam) {
    history.replaceState(null, "", location.pathname + location.hash);
    codeIn.value = joinParam;
    find.click();
  }
}

function stepTitle(st) {
  const s = st.submission;
  if (st.step === "approved") return "已通过";
  if (st.step === "review") return s.state_title;
  if (s && s.state === "rejected") return "已驳回，请重拍";
  if (st.step === "capture") return STEPS[stepIndex(st)];
  return { join: "未开始", consent: "待授权", identity: "身份核验", id_images: "身份核验", match: "关联学籍", confirm: "关联学籍" }[st.step] || "";
}

// ---- Campaign: the five steps ------------------------------------------------

// The seed's five steps. Each is lit (done) only when what it names has
// happened: 拍照 when a photo was taken and accepted for processing, 照片标准化
// when a standardized photo without blocking problems came back, 上传提交 when
// it was submitted. The review's state is shown apart, not as a sixth step.
const STEPS = ["身份核验", "关联学籍", "拍照", "照片标准化", "上传提交"];
function stepIndex(st) {
  switch (st.step) {
    case "join": case "consent": case "identity": case "id_images": return 0;
    case "match": case "confirm": return 1;
    case "capture": {
      const up = st.upload, sub = st.submission;
      if (!up || (sub && sub.upload_id === up.id) || up.status === "failed") return 2;
      if (up.status === "queued" || up.status === "processing") return 3;
      return up.can_submit ? 4 : 2; // a blocking problem sends the student back to the camera
    }
    default: return STEPS.length; // submitted: every step is done
  }
}
function stepper(st) {
  const at = stepIndex(st);
  return h("ol.steps#steps", STEPS.map((name, i) => h("li" + (i < at ? ".done" : i === at ? ".now" : ""), { "data-step": i + 1 }, name)));
}

async function campaignPage(id) {
  let st;
  try { st = await api("GET", `/api/v1/campaigns/${id}/status`); } catch (e) { toast(e.message); return go("#/"); }
  title(st.campaign.school);
  const head = [h("h1", st.campaign.name), stepper(st)];
  const help = h("p.center.small", h("a", { href: `#/c/${id}/help` }, "常见问题与联系客服"));
  const body = await stepView(st);
  show(...head, ...[body].flat(), help, contactFooter(st.campaign));
}

// contactFooter keeps the school's phone and hours, and the vendor's
// hotline, on every page of a campaign.
function contactFooter(c) {
  const k = c.contact || {};
  return h("footer.contact#contact-footer",
    k.phone ? h("p", "学校咨询：", k.name ? k.name + " " : "", h("a", { href: "tel:" + k.phone }, k.phone), k.hours ? "（" + k.hours + "）" : "") : null,
    k.vendor_phone ? h("p", "拍照与系统问题：", h("a", { href: "tel:" + k.vendor_phone }, k.vendor_phone), k.vendor_hours ? "（" + k.vendor_hours + "）" : "") : null);
}

async function stepView(st) {
  const c = st.campaign, id = c.id;
  switch (st.step) {
    case "join":
      return h("div.card",
        h("p", `${c.school} · ${c.kind_title}`),
        h("p.muted.small", `照片规格：${c.spec.title} ${c.spec.width}×${c.spec.height} 像素`),
        c.open ? null : h("p.error", "该采集批次未开放或已结束。"),
        errorBox("join-error"),
        h("button.block#join", { type: "button", disabled: !c.open, onclick: (e) => busy(e.target, "join-error", async () => { await api("POST", `/api/v1/campaigns/${id}/join`); route(); }) }, "获取采集资格"));
    case "consent": return consentView(id);
    case "identity": case "id_images": return identityView(st);
    case "match": return matchView(st);
    case "confirm": return confirmView(st);
    case "capture": return captureView(st);
    default: return statusView(st);
  }
}

async function consentView(id) {
  const c = await api("GET", `/api/v1/campaigns/${id}/consent`);
  const agree = h("input#consent-check", { type: "checkbox" });
  const btn = h("button.block#consent-accept", { type: "button", disabled: true }, "同意并继续");
  agree.addEventListener("change", () => { btn.disabled = !agree.checked; });
  btn.addEventListener("click", () => busy(btn, "consent-error", async () => {
    await api("POST", `/api/v1/campaigns/${id}/consent`, { version: c.version });
    route();
  }));
  return h("div.card",
    h("h2", "个人敏感信息处理授权"),
    h("p.muted.small", "下一步需要你的身份证件号码、证件照片和人像照片，请先阅读并单独同意："),
    h("div.consent#consent-text", c.text),
    h("p.muted.small", `授权版本：${c.version}`),
    h("label.check", agree, h("span", "我已阅读并同意上述个人敏感信息处理授权")),
    errorBox("consent-error"), btn);
}

function identityView(st) {
  const c = st.campaign, id = c.id, idn = st.identity;
  const name = h("input#name", { type: "text", autocomplete: "name", value: idn ? idn.name : "", placeholder: "与证件一致" });
  const type = h("select#doc-type", c.doc_types.map((t) => h("option", { value: t.code, selected: idn && idn.doc_type === t.code }, t.title)));
  const num = h("input#doc-number", { type: "text", autocomplete: "off", placeholder: idn ? `已填写 ${idn.doc_number}，如需修改请重新输入` : "证件号码", maxlength: "24" });
  const save = h("button.block#save-identity", { type: "submit" }, idn ? "修改身份信息" : "保存身份信息");
  const form = h("form.card", { onsubmit: (e) => {
    e.preventDefault();
    busy(save, "identity-error", async () => {
      const r = await api("PUT", `/api/v1/campaigns/${id}/identity`, { name: name.value, doc_type: type.value, doc_number: num.value });
      if (r.warning) toast(r.warning);
      route();
    });
  } },
    h("h2", "身份核验"),
    h("label", { for: "name" }, "姓名"), name,
    h("label", { for: "doc-type" }, "证件类型"), type,
    h("p.muted.small", "没有中国大陆居民身份证的同学请选择相应的其他证件。"),
    h("label", { for: "doc-number" }, "证件号码"), num,
    errorBox("identity-error"), save);
  if (!idn) {
    // A resident ID card photographed first fills the form in: the
    // student checks what was read and saves it.
    if (!c.doc_types.some((t) => t.code === "resident_id")) return form;
    const input = h("input#prefill-front", { type: "file", accept: "image/jpeg,image/png,image/webp", capture: "environment" });
    const msg = h("p.small#prefill-msg", "也可以先拍身份证人像面，自动填写姓名和号码。");
    input.addEventListener("change", async () => {
      const f = input.files[0];
      if (!f) return;
      msg.textContent = "正在读取…"; msg.className = "small";
      try {
        const r = await sendCard(id, "front", f, () => {});
        if (r.read) {
          type.value = "resident_id";
          num.value = r.read.doc_number;
          if (r.read.name) name.value = r.read.name;
          msg.textContent = r.read.name ? "已从身份证读出姓名和号码，请核对后保存。" : "已读出号码；姓名没有读清，请手动填写后保存。";
          msg.className = "small ok";
        }
      } catch (e) { msg.textContent = e.message; msg.className = "small error"; input.value = ""; }
    });
    return [h("div.card", h("strong", "拍身份证，自动填写"), msg, h("span.button.block.filebtn", "拍摄人像面", input)), form];
  }
  const parts = [h("div.card", h("h2", "已填写"), h("dl.record", h("dt", "姓名"), h("dd", idn.name), h("dt", "证件"), h("dd", idn.doc_title), h("dt", "号码"), h("dd#doc-masked", idn.doc_number)))];
  if (st.id_images.required) parts.push(idImagesView(st));
  parts.push(h("details.card", h("summary", "修改身份信息"), form));
  return parts;
}

function idImagesView(st) {
  const id = st.campaign.id, im = st.id_images;
  const side = (key, label, done) => {
    const input = h("input#id-" + key, { type: "file", accept: "image/jpeg,image/png,image/webp", capture: "environment" });
    const bar = h("progress", { max: "1", value: "0", hidden: true });
    const msg = h("p.small#id-" + key + "-msg", done ? h("span.ok", "已上传 ✓") : "未上传");
    input.addEventListener("change", async () => {
      const f = input.files[0];
      if (!f) return;
      bar.hidden = false; msg.textContent = "正在检查…"; msg.className = "small";
      try {
        await sendCard(id, key, f, (p) => { bar.value = p; });
        route();
      } catch (e) { msg.textContent = e.message; msg.className = "small error"; bar.hidden = true; input.value = ""; }
    });
    return h("div.card", h("strong", label), msg, bar, h("span.button.block.filebtn", done ? "重新拍摄" : "拍摄 / 选择照片", input));
  };
  return h("div",
    h("h2", "证件照片"),
    h("p.muted.small", "把证件平放在深色桌面上，四角完整拍入画面，避免反光和模糊。"),
    h("div.idimg", side("front", im.need_back ? "人像面" : "证件照片页", im.front), im.need_back ? side("back", "国徽面", im.back) : null));
}

function matchView(st) {
  const id = st.campaign.id;
  return [
    h("div.card", h("h2", "关联学籍"),
      h("dl.record", h("dt", "姓名"), h("dd", st.identity.name), h("dt", "证件"), h("dd", st.identity.doc_title), h("dt", "号码"), h("dd", st.identity.doc_number)),
      h("p.muted.small", "将按证件类型、号码和姓名核对学校导入的名单。"),
      errorBox("match-error"),
      contactLine(st.campaign, "match-contact"),
      h("button.block#match", { type: "button", onclick: (e) => busy(e.target, "match-error", async () => { await api("POST", `/api/v1/campaigns/${id}/match`); route(); }) }, "核验学籍")),
    h("details.card", h("summary", "信息填错了？"), identityView(Object.assign({}, st, { id_images: { required: false } }))),
  ];
}

// contactLine names the school's contact, for problems only the school can solve.
function contactLine(c, id) {
  const k = c.contact || {};
  if (!k.phone && !k.name) return null;
  return h("p.muted.small#" + id, "仍无法解决请联系：", k.name || "", " ", k.phone ? h("a", { href: "tel:" + k.phone }, k.phone) : "", k.hours ? `（${k.hours}）` : "");
}

function recordList(r) {
  return h("dl.record#record", h("dt", "学校"), h("dd", r.school), h("dt", "姓名"), h("dd", r.name), h("dt", "证件号码"), h("dd", r.doc_number),
    r.student_no ? [h("dt", "学号"), h("dd", r.student_no)] : null,
    h("dt", "学院"), h("dd", r.college), h("dt", "专业"), h("dd", r.major), h("dt", "班级"), h("dd", r.class));
}

function confirmView(st) {
  const id = st.campaign.id;
  return h("div.card", h("h2", "请确认你的学籍信息"), recordList(st.record),
    h("p.muted.small", "信息有误请联系学院，不要继续采集。"),
    errorBox("confirm-error"),
    h("button.block#confirm", { type: "button", onclick: (e) => busy(e.target, "confirm-error", async () => { await api("POST", `/api/v1/campaigns/${id}/confirm`); route(); }) }, "确认无误，进入采集"));
}

// ---- Guide and capture ---------------------------------------------------------

const RULES = [
  "在明亮的室内，站在干净的白墙前约 1 米处",
  "请他人用手机后置摄像头拍摄，不要自拍",
  "拍到胸口以上的半身像，头顶上方留出空白",
  "正对镜头，露出额头、眉毛和双耳，表情自然、闭上嘴",
  "不戴有色眼镜、美瞳、帽子、耳环、项链等饰品",
  "穿有领的纯色上衣，不要穿蓝色衣服（蓝色背景会与衣服混在一起）",
  "光线均匀，脸上没有阴影；不化浓妆，不用美颜和滤镜",
];

// figure draws a schematic half-body portrait for the guide's examples.
function figure(o) {
  const ns = "http://www.w3.org/2000/svg";
  const e = (tag, attrs) => { const el = document.createElementNS(ns, tag); for (const k in attrs) el.setAttribute(k, attrs[k]); return el; };
  const svg = e("svg", { viewBox: "0 0 90 120", role: "img" });
  svg.append(e("rect", { width: 90, height: 120, fill: o.bg || "#f4f4f4" }));
  if (o.clutter) { svg.append(e("rect", { x: 4, y: 10, width: 18, height: 40, fill: "#b08968" }), e("rect", { x: 70, y: 30, width: 16, height: 60, fill: "#6d9dc5" })); }
  const s = o.close ? 1.5 : 1, cx = 45, cy = o.close ? 62 : 48;
  svg.append(e("path", { d: `M${cx - 34 * s} 120 Q${cx - 30 * s} ${cy + 30 * s} ${cx} ${cy + 28 * s} Q${cx + 30 * s} ${cy + 30 * s} ${cx + 34 * s} 120 Z`, fill: o.shirt || "#3a3a3a" }));
  if (!o.collarless) svg.append(e("path", { d: `M${cx - 9 * s} ${cy + 28 * s} L${cx} ${cy + 38 * s} L${cx + 9 * s} ${cy + 28 * s}`, fill: "#fff" }));
  svg.append(e("ellipse", { cx, cy: cy + 2 * s, rx: 17 * s, ry: 21 * s, fill: "#f1c7a3" }));
  if (o.shadow) svg.append(e("path", { d: `M${cx} ${cy - 19 * s} A17 21 0 0 1 ${cx} ${cy + 23 * s} Z`, fill: "rgba(60,40,30,.45)", transform: `translate(0 ${0})` }));
  svg.append(e("path", { d: `M${cx - 18 * s} ${cy - 2 * s} Q${cx - 18 * s} ${cy - 26 * s} ${cx} ${cy - 24 * s} Q${cx + 18 * s} ${cy - 26 * s} ${cx + 18 * s} ${cy - 2 * s} Q${cx + 12 * s} ${cy - (o.fringe ? 4 : 14) * s} ${cx} ${cy - (o.fringe ? 6 : 16) * s} Q${cx - 12 * s} ${cy - (o.fringe ? 4 : 14) * s} ${cx - 18 * s} ${cy - 2 * s} Z`, fill: "#2b2b2b" }));
  const ey = cy - 1 * s;
  if (o.sunglasses) svg.append(e("rect", { x: cx - 14 * s, y: ey - 4 * s, width: 28 * s, height: 8 * s, rx: 3, fill: "#222" }));
  else svg.append(e("circle", { cx: cx - 7 * s, cy: ey, r: 1.8 * s, fill: "#222" }), e("circle", { cx: cx + 7 * s, cy: ey, r: 1.8 * s, fill: "#222" }));
  svg.append(o.mouth ? e("ellipse", { cx, cy: cy + 12 * s, rx: 4 * s, ry: 3 * s, fill: "#8a2b2b" }) : e("path", { d: `M${cx - 5 * s} ${cy + 12 * s} Q${cx} ${cy + 14 * s} ${cx + 5 * s} ${cy + 12 * s}`, stroke: "#8a2b2b", "stroke-width": 1.4, fill: "none" }));
  return svg;
}

const EXAMPLES = [
  { good: true, label: "合格", o: {} },
  { label: "自拍太近", o: { close: true } },
  { label: "蓝色衣服", o: { shirt: "#3f7fd8", collarless: true } },
  { label: "刘海遮眉", o: { fringe: true } },
  { label: "墨镜", o: { sunglasses: true } },
  { label: "阴阳脸", o: { shadow: true } },
  { label: "张嘴", o: { mouth: true } },
  { label: "背景杂乱", o: { clutter: true } },
  { label: "无领上衣", o: { collarless: true, shirt: "#9b59b6" } },
];

function guide(open) {
  return h("details.card#guide", { open }, h("summary", h("strong", open ? "拍摄要求（请先阅读）" : "拍摄要求（点击展开）")),
    h("ol.rules", RULES.map((r) => h("li", r))),
    h("div.examples", EXAMPLES.map((x) => h("div.example" + (x.good ? ".good" : ".bad"), figure(x.o), h("span", (x.good ? "✓ " : "✗ ") + x.label)))));
}

function captureView(st) {
  const c = st.campaign, id = c.id, parts = [];
  const sub = st.submission;
  if (st.id_images.front && st.face_consent === "") parts.push(faceConsentBox(id));
  if (sub && sub.state === "rejected") parts.push(rejectedBox(sub));
  if (sub && sub.state === "withdrawn") parts.push(h("div.card", h("p", "你已撤回提交，请重新拍摄上传。")));
  const up = st.upload;
  const fresh = up && !(sub && sub.upload_id === up.id);
  if (fresh && (up.status === "queued" || up.status === "processing")) {
    parts.push(processingView(up));
    poll(up.id);
    return parts;
  }
  const result = fresh && (up.status === "done" || up.status === "failed");
  if (result) parts.push(resultView(st, up));
  if (sub && sub.state === "rejected" && !sub.can_retake) { parts.push(h("p.error", "重拍期限已过，请联系学院处理。")); return parts; }
  // The result and what to fix come first, the retake buttons right under
  // them; the guide is open only before the first photo.
  parts.push(uploadBox(c, st.uploads_left, result && up.can_submit), guide(!result));
  return parts;
}

// faceConsentBox asks, separately from the first consent, whether the
// photo may be compared with the ID card's portrait; either answer goes on.
function faceConsentBox(id) {
  const text = h("p.small#face-consent-text", "正在加载…");
  let version = "";
  api("GET", `/api/v1/campaigns/${id}/face-consent`).then((v) => { version = v.version; text.textContent = v.text; })
    .catch((e) => { text.textContent = e.message; });
  const decide = (agree, btn) => busy(btn, "face-consent-error", async () => {
    await api("PUT", `/api/v1/campaigns/${id}/face-consent`, { version, agree });
    toast(agree ? "已同意人脸比对" : "已选择不比对，审核老师会人工核对");
    route();
  });
  const yes = h("button#face-agree", { type: "button" }, "同意比对");
  const no = h("button.secondary#face-refuse", { type: "button" }, "不同意");
  yes.addEventListener("click", () => decide(true, yes));
  no.addEventListener("click", () => decide(false, no));
  return h("div.card#face-consent", h("h2", "人脸比对授权（单独同意）"), text, errorBox("face-consent-error"), h("div.row", yes, no));
}

function uploadBox(c, left, haveGood) {
  const bar = h("progress#upload-progress", { max: "1", value: "0", hidden: true });
  const msg = h("p.small#upload-msg", left > 0 ? `还可以上传 ${left} 次` : "上传次数已用完，请联系学院");
  const onFile = async (input) => {
    const f = input.files[0];
    if (!f) return;
    // One key per chosen file: a retried request (lost answer, 429) never
    // makes a second upload.
    const key = newKey();
    bar.hidden = false; msg.textContent = "正在上传…"; msg.className = "small";
    try {
      const up = await sendFile("POST", `/api/v1/campaigns/${c.id}/uploads`, f, key, (p) => { bar.value = p; msg.textContent = `正在上传 ${Math.round(p * 100)}%`; });
      msg.textContent = "上传完成，正在生成标准证件照…";
      poll(up.id);
    } catch (e) { msg.textContent = e.message; msg.className = "small error"; bar.hidden = true; input.value = ""; }
  };
  const cam = h("input#photo-camera", { type: "file", accept: "image/jpeg,image/png,image/webp", capture: "environment", onchange: (e) => onFile(e.target) });
  const album = c.allow_album ? h("input#photo-album", { type: "file", accept: "image/jpeg,image/png,image/webp", onchange: (e) => onFile(e.target) }) : null;
  return h("div.card",
    h("h2", haveGood ? "不满意？重新拍摄" : "拍摄照片"),
    h("span.button.block.filebtn", "打开相机拍摄", cam),
    album ? h("span.button.block.secondary.filebtn", "从相册选择", album) : h("p.muted.small", "本次采集要求现场拍摄，不能从相册选择。"),
    bar, msg);
}

function processingView(up) {
  return h("div.card#processing", h("h2", "照片标准化"), h("p", "正在检测人脸、替换背景、裁剪尺寸…"), h("progress"), h("p.muted.small", "通常只需几秒，请不要关闭页面。"));
}

// poll waits for the job's result without reloading the page: each
// request is held by the server until the photo is done (or 25 s pass).
function poll(uploadID) {
  clearTimeout(state.polling);
  const token = state.polling = setTimeout(async function tick() {
    try {
      const up = await api("GET", `/api/v1/uploads/${uploadID}?wait=25`);
      if (state.polling !== token) return; // the student moved on
      if (up.status === "done" || up.status === "failed") return route();
      setTimeout(tick, 100);
    } catch (e) {
      if (state.polling !== token) return;
      toast(e.message);
      setTimeout(tick, 2000);
    }
  }, 200);
}

const SEVERITY = { block: "必须修改", warn: "可能不合格", info: "提示" };

function findingsList(findings) {
  const order = { block: 0, warn: 1, info: 2 };
  return h("ul.findings#findings", findings.slice().sort((a, b) => order[a.severity] - order[b.severity]).map((f) =>
    h("li." + f.severity, { "data-code": f.code }, h("strong", `【${SEVERITY[f.severity] || f.severity}】`), f.message)));
}

// Image addresses of an upload (the status answer carries ids only).
const resultURL = (up) => `/api/v1/uploads/${up.id}/result.jpg`;
const previewURL = (up) => `/api/v1/uploads/${up.id}/preview.jpg`;
const hideBroken = (e) => { e.target.closest("figure").hidden = true; };

function resultView(st, up) {
  const parts = [h("h2", "照片标准化结果")];
  if (up.status === "failed") {
    const msg = up.error ? up.error.message : "照片无法处理，请重拍";
    parts.push(h("p.error#upload-error", msg));
    const others = up.findings.filter((f) => f.message !== msg); // the refusal is said once
    if (others.length) parts.push(findingsList(others));
    parts.push(h("p.muted.small", "这张照片没有生成标准照，不占用上传次数。"));
    parts.push(h("div.pair", h("figure", h("img#preview-img", { src: previewURL(up), alt: "原图", onerror: hideBroken }), h("figcaption", "原图"))));
    return h("div.card#result", parts);
  }
  parts.push(h("div.pair",
    h("figure", h("img#preview-img", { src: previewURL(up), alt: "原图", onerror: hideBroken }), h("figcaption", "原图")),
    h("figure", h("img#result-img", { src: resultURL(up), alt: "标准证件照" }), h("figcaption", `标准照 ${up.output ? `${up.output.width}×${up.output.height} · ${up.output.kb} KB` : ""}`))));
  if (up.findings.length) parts.push(findingsList(up.findings));
  else parts.push(h("p.ok", "未发现问题。"));
  if (up.blocking) parts.push(h("p.error", "照片存在必须修改的问题，请按提示重拍后再提交。"));
  else {
    if (up.findings.some((f) => f.severity === "warn")) parts.push(h("p.muted.small", "标为“可能不合格”的问题由审核老师判断；如能改正，建议重拍。"));
    parts.push(errorBox("submit-error"), h("button.block#submit", { type: "button", onclick: (e) => busy(e.target, "submit-error", async () => {
      await api("POST", `/api/v1/uploads/${up.id}/submit`);
      toast("已提交审核");
      route();
    }) }, "提交审核"));
  }
  return h("div.card#result", parts);
}

function rejectedBox(sub) {
  return h("div.card#rejected",
    h("p", "审核结果：", h("span.badge.rejected#state", sub.state_title)),
    h("ul.findings#reasons", sub.reasons.map((r) => h("li.block", { "data-code": r.code }, h("strong", `${r.code} ${r.title}:`), r.advice))),
    sub.note ? h("p", "审核备注：", sub.note) : null,
    sub.retake_deadline ? h("p.small", "请在 ", h("strong#deadline", fmtTime(sub.retake_deadline)), " 前重新拍摄提交。") : null);
}

function statusView(st) {
  const sub = st.submission, id = st.campaign.id;
  return h("div.card#status",
    h("h2", "审核状态"),
    h("p", h("span.badge." + sub.state + "#state", sub.state_title)),
    sub.locked ? h("p.ok", "照片已审核通过并锁定，无需任何操作。") : h("p.muted.small", "审核结果会显示在这里，请留意。"),
    h("div.pair", h("figure", h("img#result-img", { src: `/api/v1/uploads/${sub.upload_id}/result.jpg`, alt: "已提交的证件照" }), h("figcaption", "已提交的照片"))),
    h("ul.timeline", sub.history.map((e) => h("li", `${fmtTime(e.at)} ${e.state_title}`))),
    errorBox("withdraw-error"),
    sub.can_withdraw ? h("button.block.danger#withdraw", { type: "button", onclick: (e) => busy(e.target, "withdraw-error", async () => {
      if (!confirm("撤回后需要重新拍摄上传，确定撤回吗？")) return;
      await api("POST", `/api/v1/submissions/${sub.id}/withdraw`);
      route();
    }) }, "撤回") : null);
}

// ---- Customer service ----------------------------------------------------------

async function helpPage(id) {
  let c;
  try { c = await api("GET", `/api/v1/campaigns/${id}`); } catch (e) { toast(e.message); return go("#/"); }
  title("常见问题");
  let kinds = [];
  try { kinds = (await api("GET", "/api/v1/tickets")).kinds; } catch (e) { /* the form still works with the list below */ }
  if (!kinds.length) kinds = [{ code: "info_wrong", title: "信息有误" }, { code: "photo_change", title: "更换照片" }, { code: "not_on_roster", title: "不在名单" }, { code: "document", title: "证件问题" }, { code: "other", title: "其他" }];
  const kind = h("select#ticket-kind", kinds.map((k) => h("option", { value: k.code }, k.title)));
  const text = h("textarea#ticket-body", { rows: 4, maxlength: 1000, placeholder: "请写下遇到的问题，例如“我的学号导入错了，应为 2026010203”。" });
  show(h("h1", "常见问题与客服"),
    h("dl.card.faq", c.faq.map((f) => [h("dt", f.q), h("dd", f.a)])),
    h("div.card#ask", h("h2", "在线客服"),
      h("p.muted.small", "审核期间发现信息有误、想更换照片、不在名单或证件有问题，请立即告诉我们。一般一个工作日内回复，回复会出现在“消息”里。"),
      h("label", "问题类型", kind), h("label", "问题描述", text), errorBox("ticket-error"),
      h("button.block#ticket-send", { type: "button", onclick: (e) => busy(e.target, "ticket-error", async () => {
        const t = await api("POST", `/api/v1/campaigns/${id}/tickets`, { kind: kind.value, body: text.value });
        go("#/tickets/" + t.id);
      }) }, "提交给客服"),
      h("p.center.small", h("a", { href: "#/tickets" }, "查看我提过的问题"))),
    h("div.card#contact", h("h2", "联系学校"), h("p", c.contact.name), h("p", h("a", { href: "tel:" + c.contact.phone }, c.contact.phone)), h("p.muted.small", c.contact.hours),
      c.contact.vendor_phone ? [h("h2", "拍照与系统问题"), h("p", h("a", { href: "tel:" + c.contact.vendor_phone }, c.contact.vendor_phone)), h("p.muted.small", c.contact.vendor_hours || "")] : null),
    h("p.center", h("a", { href: "#/c/" + id }, "返回采集")));
}

// ---- Messages ------------------------------------------------------------------

async function refreshUnread() {
  const link = document.getElementById("inbox-link");
  try {
    const box = await api("GET", "/api/v1/inbox");
    link.hidden = false;
    document.getElementById("unread").textContent = box.unread ? String(box.unread) : "";
  } catch (e) { /* the badge is a convenience */ }
}

async function inboxPage() {
  title("消息");
  let box;
  try { box = await api("GET", "/api/v1/inbox"); } catch (e) { toast(e.message); return go("#/"); }
  show(h("h1", "消息"),
    box.notices.length ? h("ul.inbox#inbox", box.notices.map((n) => h("li.card" + (n.read ? "" : ".unread"), { "data-kind": n.kind },
      h("p", h("strong", n.title)), h("p", n.body), h("p.muted.small", fmtTime(n.at), " ", n.link ? h("a", { href: n.link }, "查看") : null))))
      : h("p.muted.center#inbox-empty", "还没有消息。提交照片、审核结果和客服回复都会出现在这里。"),
    h("p.center.small", h("a", { href: "#/tickets" }, "我提过的问题"), " · ", h("a", { href: "#/" }, "返回首页")));
  if (box.unread) { try { await api("POST", "/api/v1/inbox/read", { id: 0 }); refreshUnread(); } catch (e) { /* shown next time */ } }
}

async function ticketsPage() {
  title("我提过的问题");
  let list;
  try { list = await api("GET", "/api/v1/tickets"); } catch (e) { toast(e.message); return go("#/"); }
  show(h("h1", "我提过的问题"),
    list.tickets.length ? h("ul.tickets#tickets", list.tickets.map((t) => h("li.card", h("a", { href: "#/tickets/" + t.id }, h("strong", t.kind_title), " ", h("span.badge." + t.status, t.status_title)),
      h("p.muted.small", t.campaign, " · ", fmtTime(t.updated_at)))))
      : h("p.muted.center", "还没有提过问题。在采集页底部的“常见问题与联系客服”里可以联系客服。"),
    h("p.center.small", h("a", { href: "#/" }, "返回首页")));
}

async function ticketPage(id) {
  title("客服问题");
  let t;
  try { t = await api("GET", `/api/v1/tickets/${id}`); } catch (e) { toast(e.message); return go("#/tickets"); }
  const text = h("textarea#reply-body", { rows: 3, maxlength: 1000, placeholder: "补充说明" });
  const file = h("input#reply-image", { type: "file", accept: "image/jpeg,image/png" });
  show(h("h1", t.kind_title, " ", h("span.badge." + t.status + "#ticket-state", t.status_title)),
    h("p.muted.small", t.campaign, t.due_at && t.status === "open" ? "，预计 " + fmtTime(t.due_at) + " 前回复" : ""),
    h("ul.thread#thread", t.messages.map((m) => h("li.card" + (m.author === "student" ? ".mine" : ".theirs"),
      h("p.muted.small", m.author === "student" ? "我" : m.author, " · ", fmtTime(m.at)), m.body ? h("p", m.body) : null,
      m.image ? h("img.attachment", { src: `/api/v1/tickets/${id}/messages/${m.id}/image`, alt: "附图" }) : null))),
    t.status === "closed" ? h("p.muted.center", "这个问题已关闭；如还有疑问，请新建一个。") : h("div.card",
      h("label", "补充说明", text), h("label", "附图（可选，JPEG 或 PNG，5 MB 以内）", file), errorBox("reply-error"),
      h("button.block#reply-send", { type: "button", onclick: (e) => busy(e.target, "reply-error", async () => {
        if (file.files[0]) await sendFile("POST", `/api/v1/tickets/${id}/images?text=` + encodeURIComponent(text.value), file.files[0], "", () => {});
        else await api("POST", `/api/v1/tickets/${id}/messages`, { body: text.value });
        route();
      }) }, "发送")),
    h("p.center.small", h("a", { href: "#/tickets" }, "返回问题列表")));
}

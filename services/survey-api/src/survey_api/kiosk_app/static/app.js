/* Zdrav reference kiosk: plain JavaScript, no build step, no CDN.
 *
 * Every answered questionnaire gets a client UUID and is written to IndexedDB before anything else
 * happens, so that neither a reload, a closed tab nor hours without network lose it. A sender posts
 * the queue in batches to POST /v1/responses/batch whenever the network is up (on the "online" event,
 * after each answer and on an interval, never needing a reload). An item leaves the queue only when
 * the server said "accepted" or "duplicate" (a resend of a stored id is harmless: the server keeps
 * one); a "rejected" item moves to a store of its own and is shown to the operator, never dropped.
 */
"use strict";

const DB_NAME = "zdrav-kiosk";
const DB_VERSION = 1;
const SEND_INTERVAL_MS = 10000;
const MAX_BATCH = 200;
const THANKS_MS = 8000;
const API = (path) => new URL("../" + path, location.href).toString();

let db = null;
let config = null; // {token, setup: {kiosk_id, campaign_code, org_unit_code, questionnaire, labels}}
let answers = {};
let batchSize = MAX_BATCH;
let flushing = false;
let pausedUntil = 0;
let lastProblem = "";

/* ---------- IndexedDB ---------- */

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const d = request.result;
      if (!d.objectStoreNames.contains("config")) d.createObjectStore("config");
      if (!d.objectStoreNames.contains("queue")) d.createObjectStore("queue", { keyPath: "id" }).createIndex("seq", "seq");
      if (!d.objectStoreNames.contains("rejected")) d.createObjectStore("rejected", { keyPath: "id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run(store, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    let result;
    Promise.resolve(work(tx.objectStore(store))).then((r) => { result = r; });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
const idbGet = (store, key) => run(store, "readonly", (s) => req(s.get(key)));
const idbPut = (store, value, key) => run(store, "readwrite", (s) => req(key === undefined ? s.put(value) : s.put(value, key)));
const idbCount = (store) => run(store, "readonly", (s) => req(s.count()));
const idbAll = (store) => run(store, "readonly", (s) => req(s.getAll()));

function oldestQueued(limit) {
  return run("queue", "readonly", (s) => new Promise((resolve, reject) => {
    const items = [];
    const cursor = s.index("seq").openCursor();
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c || items.length >= limit) { resolve(items); return; }
      items.push(c.value);
      c.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  }));
}

/* Outcomes of one batch in one transaction: sent ones leave, rejected ones move aside. */
function settle(done, rejected) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(["queue", "rejected"], "readwrite");
    const queue = tx.objectStore("queue");
    const aside = tx.objectStore("rejected");
    for (const id of done) queue.delete(id);
    for (const { item, problem } of rejected) {
      aside.put({ ...item, problem, rejected_at: new Date().toISOString() });
      queue.delete(item.id);
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

/* ---------- helpers ---------- */

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); // not a secure context: build a v4 by hand
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const $ = (id) => document.getElementById(id);

function show(section) {
  for (const id of ["setup", "survey", "thanks", "operator"]) $(id).hidden = id !== section;
}

function setNetwork(online) {
  const pill = $("network");
  pill.dataset.state = online ? "online" : "offline";
  pill.textContent = online ? "сеть: есть" : "сеть: нет";
}

function plural(n, one, few, many) {
  const m10 = n % 10, m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
}

async function updateStatus() {
  const pending = await idbCount("queue");
  const rejected = await idbCount("rejected");
  const pill = $("queue-status");
  pill.textContent = `${pending} ${plural(pending, "ждёт", "ждут", "ждут")} отправки` + (rejected ? ` · ${rejected} откл.` : "");
  pill.dataset.pending = String(pending);
  pill.dataset.rejected = rejected ? "true" : "false";
  if (!$("operator").hidden) await renderOperator();
}

/* ---------- setup ---------- */

async function connect(token) {
  const response = await fetch(API("v1/kiosk-setup"), {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    cache: "no-store",
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || `сервер ответил ${response.status}`);
  }
  return { token, setup: await response.json(), saved_at: new Date().toISOString() };
}

async function onSetup(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  $("setup-error").textContent = "";
  try {
    config = await connect(token);
  } catch (error) {
    $("setup-error").textContent = error instanceof TypeError
      ? "Нет связи с сервером: для первой настройки киоск должен быть в сети."
      : `Токен не принят: ${error.message}`;
    return;
  }
  await idbPut("config", config, "kiosk");
  startSurvey();
  flush();
}

/* ---------- the form ---------- */

function choiceButtons(question, options, scale) {
  const box = document.createElement("div");
  box.className = scale ? "choices scale" : "choices";
  box.setAttribute("role", "group");
  for (const [value, label] of options) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.textContent = label;
    button.dataset.value = JSON.stringify(value);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      if (question.type === "multiple_choice") {
        const chosen = new Set(answers[question.code] || []);
        chosen.has(value) ? chosen.delete(value) : chosen.add(value);
        answers[question.code] = [...chosen];
        button.setAttribute("aria-pressed", String(chosen.has(value)));
      } else {
        answers[question.code] = value;
        for (const other of box.children) other.setAttribute("aria-pressed", String(other === button));
      }
      button.closest(".question").classList.remove("missing");
    });
    box.appendChild(button);
  }
  return box;
}

function renderQuestion(question, labels) {
  const card = document.createElement("div");
  card.className = "question";
  card.dataset.code = question.code;
  const text = document.createElement("p");
  text.className = "text";
  text.textContent = question.text_ru;
  if (question.required) {
    const star = document.createElement("span");
    star.className = "req";
    star.textContent = " *";
    text.appendChild(star);
  }
  card.appendChild(text);
  const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => [lo + i, String(lo + i)]);
  switch (question.type) {
    case "satisfaction5":
      card.appendChild(choiceButtons(question, labels.satisfaction5.map((o) => [o.code, o.label_ru]), false));
      break;
    case "screening":
      card.appendChild(choiceButtons(question, (labels.screening || []).map((o) => [o.code, o.label_ru]), false));
      break;
    case "nps": {
      card.appendChild(choiceButtons(question, range(0, 10), true));
      const legend = document.createElement("div");
      legend.className = "scale-legend";
      legend.innerHTML = "<span>0 — точно нет</span><span>10 — обязательно порекомендую</span>";
      card.appendChild(legend);
      break;
    }
    case "rating":
      card.appendChild(choiceButtons(question, range(1, 5), true));
      break;
    case "single_choice":
    case "multiple_choice":
      card.appendChild(choiceButtons(question, (question.options || []).map((o) => [o.code, o.label_ru]), false));
      break;
    default: {
      const area = document.createElement("textarea");
      area.maxLength = labels.free_text_max_length || 2000;
      area.placeholder = "Напишите, если хотите (необязательно)";
      area.addEventListener("input", () => { answers[question.code] = area.value; });
      card.appendChild(area);
    }
  }
  return card;
}

function startSurvey() {
  const setup = config.setup;
  $("title").textContent = setup.org_unit_name || "Анкета пациента";
  $("questionnaire-title").textContent = setup.questionnaire.title_ru;
  $("kiosk-info").textContent = `${setup.kiosk_id} · ${setup.campaign_code} · ${setup.org_unit_code}`;
  resetForm();
  show("survey");
}

/* The screening question ("went through the situation now or in the last 6 months") is asked first,
 * wherever the questionnaire lists it. */
function formQuestions() {
  const questions = config.setup.questionnaire.questions;
  return [...questions.filter((q) => q.type === "screening"), ...questions.filter((q) => q.type !== "screening")];
}

function resetForm() {
  answers = {};
  const box = $("questions");
  box.replaceChildren(...formQuestions().map((q) => renderQuestion(q, config.setup.labels)));
  $("form-error").textContent = "";
  window.scrollTo(0, 0);
}

function answered(question) {
  const value = answers[question.code];
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

let thanksTimer = null;

async function onSubmit(event) {
  event.preventDefault();
  const missing = config.setup.questionnaire.questions.filter((q) => q.required && !answered(q));
  for (const card of $("questions").children) {
    card.classList.toggle("missing", missing.some((q) => q.code === card.dataset.code));
  }
  if (missing.length) {
    $("form-error").textContent = "Ответьте, пожалуйста, на отмеченные вопросы.";
    document.querySelector(".question.missing").scrollIntoView({ behavior: "smooth", block: "center" });
    return;
  }
  const kept = {};
  for (const q of config.setup.questionnaire.questions) if (answered(q)) kept[q.code] = answers[q.code];
  const item = {
    id: uuid(),
    submitted_at: new Date().toISOString(),
    answers: kept,
    campaign_code: config.setup.campaign_code,
    org_unit_code: config.setup.org_unit_code,
    seq: Date.now() + Math.random(),
  };
  await idbPut("queue", item); // stored before anything is shown: nothing is lost from here on
  await updateStatus();
  show("thanks");
  clearTimeout(thanksTimer);
  thanksTimer = setTimeout(again, THANKS_MS);
  flush();
}

function again() {
  clearTimeout(thanksTimer);
  resetForm();
  show("survey");
}

/* ---------- sending ---------- */

function describe(problem) {
  if (!problem) return "причина не указана";
  const detail = problem.detail || "";
  // The detail often lists the pointers already: add only those it does not mention.
  const where = (problem.errors || [])
    .map((e) => `${e.pointer}: ${e.message}`)
    .filter((text) => !detail.includes(text))
    .join("; ");
  return [problem.title, detail, where].filter(Boolean).join(" — ");
}

async function flush() {
  if (flushing || !config || Date.now() < pausedUntil) return;
  flushing = true;
  try {
    for (;;) {
      const queued = await oldestQueued(batchSize * 4);
      // Items answered under another kiosk binding are never posted with this token.
      const items = queued
        .filter((i) => i.campaign_code === config.setup.campaign_code && i.org_unit_code === config.setup.org_unit_code)
        .slice(0, batchSize);
      if (!items.length) break;
      let response;
      try {
        response = await fetch(API("v1/responses/batch"), {
          method: "POST",
          headers: { Authorization: `Bearer ${config.token}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            campaign_code: config.setup.campaign_code,
            org_unit_code: config.setup.org_unit_code,
            responses: items.map(({ id, submitted_at, answers: a }) => ({ id, submitted_at, answers: a })),
          }),
          cache: "no-store",
        });
      } catch (error) {
        setNetwork(false); // the network is down (or went down mid-batch): the items stay queued
        break;
      }
      setNetwork(true);
      if (response.status === 200) {
        const body = await response.json();
        const byId = new Map(items.map((i) => [i.id, i]));
        const done = [];
        const rejected = [];
        for (const result of body.results || []) {
          const item = byId.get(result.id);
          if (!item) continue;
          if (result.status === "accepted" || result.status === "duplicate") done.push(item.id);
          else if (result.status === "rejected") rejected.push({ item, problem: result.problem || null });
        }
        if (!done.length && !rejected.length) break; // nothing settled: do not spin
        await settle(done, rejected);
        batchSize = Math.min(MAX_BATCH, batchSize * 2);
        lastProblem = "";
        continue;
      }
      const problem = await response.json().catch(() => null);
      if (response.status === 413 && batchSize > 1) {
        batchSize = Math.max(1, Math.floor(batchSize / 2));
        continue;
      }
      if (response.status === 413 || response.status === 422) {
        // One item the server cannot take as a whole: keep it aside for the operator.
        await settle([], items.slice(0, 1).map((item) => ({ item, problem })));
        continue;
      }
      if (response.status === 429 || response.status === 503) {
        const wait = Number(response.headers.get("Retry-After") || "5");
        pausedUntil = Date.now() + Math.max(1, wait) * 1000;
      }
      lastProblem = `${response.status}: ${describe(problem)}`;
      break;
    }
  } finally {
    flushing = false;
    await updateStatus();
  }
}

/* ---------- the operator's view ---------- */

async function renderOperator() {
  const pending = await idbCount("queue");
  const rejected = await idbAll("rejected");
  $("operator-summary").textContent =
    `Ждут отправки: ${pending}. Отклонено сервером: ${rejected.length}.` + (lastProblem ? ` Последняя ошибка: ${lastProblem}` : "");
  $("rejected-list").replaceChildren(...rejected.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${item.submitted_at} · ${item.id} — ${describe(item.problem)}`;
    return li;
  }));
}

async function openOperator() {
  if (!config) return;
  await renderOperator();
  show("operator");
}

/* ---------- start ---------- */

async function main() {
  db = await openDb();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js").catch(() => {}); // offline shell; the queue works without it
  }
  setNetwork(navigator.onLine);
  window.addEventListener("online", () => { setNetwork(true); pausedUntil = 0; flush(); });
  window.addEventListener("offline", () => setNetwork(false));
  $("setup-form").addEventListener("submit", onSetup);
  $("survey-form").addEventListener("submit", onSubmit);
  $("again").addEventListener("click", again);
  $("queue-status").addEventListener("click", openOperator);
  $("back").addEventListener("click", () => (config ? again() : show("setup")));
  $("send-now").addEventListener("click", () => { pausedUntil = 0; flush(); });
  config = await idbGet("config", "kiosk");
  if (config) startSurvey();
  else show("setup");
  await updateStatus();
  setInterval(flush, SEND_INTERVAL_MS);
  flush();
}

main();

// A minimal browser front end: signs in with a dev token, then calls kpi-api, survey-api and roadmap-api with
// fetch from its own origin (CORS) and reads what a real front end needs: statuses, ETags, Location, the
// request id, and problem details. The services' addresses come in the query string (?kpi=…&survey=…&roadmap=…).
"use strict";

const query = new URLSearchParams(location.search);
const api = { kpi: query.get("kpi"), survey: query.get("survey"), roadmap: query.get("roadmap") };

function claims(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload));
}

document.getElementById("login").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = document.getElementById("token").value.trim();
  sessionStorage.setItem("zdrav-token", token);
  const who = claims(token);
  document.getElementById("who").textContent = `${who.sub}: ${who.roles.join(", ")} @ ${who.scope_org_units.join(", ")}`;
  document.getElementById("run").disabled = false;
});

async function call(base, path, { method = "GET", body, headers = {} } = {}) {
  const token = sessionStorage.getItem("zdrav-token");
  try {
    const response = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = response.headers.get("Content-Type") || "";
    return {
      status: response.status,
      etag: response.headers.get("ETag"),
      location: response.headers.get("Location"),
      requestId: response.headers.get("X-Request-ID"),
      contentType: type,
      body: type.includes("json") ? await response.json() : null,
    };
  } catch (error) {
    return { status: 0, error: String(error) };  // what a page sees when CORS refuses it
  }
}

document.getElementById("run").addEventListener("click", async () => {
  const out = {};
  out.createFederation = await call(api.kpi, "/v1/org-units", {
    method: "POST", body: { code: "RU", name_ru: "Российская Федерация", level: "federation" },
  });
  out.createRegion = await call(api.kpi, "/v1/org-units", {
    method: "POST",
    body: { code: "RU-MUR", name_ru: "Мурманская область", level: "region", parent_code: "RU", timezone: "Europe/Moscow" },
  });
  out.readRegion = await call(api.kpi, "/v1/org-units/RU-MUR", { headers: { "X-Request-ID": "browser-read-1" } });
  out.renameRegion = await call(api.kpi, "/v1/org-units/RU-MUR", {
    method: "PATCH", body: { name_en: "Murmansk Oblast" }, headers: { "If-Match": out.readRegion.etag },
  });
  out.staleRename = await call(api.kpi, "/v1/org-units/RU-MUR", {
    method: "PATCH", body: { name_en: "Murmansk" }, headers: { "If-Match": out.readRegion.etag },
  });
  out.questionnaire = await call(api.survey, "/v1/questionnaires/nsi-standard");
  out.createRoadmap = await call(api.roadmap, "/v1/roadmaps", {
    method: "POST", body: { region_code: "RU-MUR", life_situation: "ССЗ", title: "Дорожная карта из браузера" },
  });
  out.readRoadmap = out.createRoadmap.location
    ? await call(api.roadmap, out.createRoadmap.location)
    : { status: -1 };
  document.getElementById("out").textContent = JSON.stringify(out, null, 2);
  document.body.dataset.done = "true";
});

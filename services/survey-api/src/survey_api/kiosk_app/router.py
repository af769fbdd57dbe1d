"""The reference kiosk web app, served by survey-api itself, and its setup call.

``/kiosk/`` is plain HTML, CSS and JavaScript with no build step and no CDN (``static/``): a tablet
opens it once, enters its kiosk token, and from then on works offline — answers go to IndexedDB at
once and are sent in batches whenever the network is up (see ``static/app.js``). The app's files are
not API operations, so they stay out of the OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from survey_api.campaigns.errors import CampaignNotFound
from survey_api.deps import KioskCaller
from survey_api.kiosk_app.schemas import AnswerLabel, FormLabels, KioskSetup
from survey_api.questionnaires.rules import FREE_TEXT_MAX_LENGTH, SATISFACTION_LABELS, SCREENING_LABELS
from zdrav_shared.problems import problem_responses

STATIC = Path(__file__).parent / "static"
FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "sw.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "manifest.webmanifest": "application/manifest+json",
    "icon.svg": "image/svg+xml",
}
# Revalidated on every load (cheap 304s): a kiosk picks up a new version of the app the next time it
# is online, while its service worker keeps serving the cached copy offline.
NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

router = APIRouter(tags=["kiosks"])


@router.get("/kiosk", include_in_schema=False)
async def kiosk_root() -> Response:
    return RedirectResponse("/kiosk/", status_code=308)


@router.get("/kiosk/", include_in_schema=False)
async def kiosk_app() -> Response:
    return FileResponse(STATIC / "index.html", media_type=FILES["index.html"], headers=NO_CACHE)


@router.get("/kiosk/{name}", include_in_schema=False)
async def kiosk_file(name: str) -> Response:
    media_type = FILES.get(name)
    if media_type is None:
        return Response(status_code=404)
    return FileResponse(STATIC / name, media_type=media_type, headers=NO_CACHE)


@router.get(
    "/v1/kiosk-setup",
    response_model=KioskSetup,
    operation_id="get_kiosk_setup",
    summary="A kiosk's campaign, org unit and questionnaire (kiosk token)",
    responses=problem_responses(401, 404, 429),
)
async def get_kiosk_setup(request: Request, kiosk: KioskCaller) -> KioskSetup:
    """What the kiosk app needs to show its form with no network: the campaign and org unit the
    kiosk is bound to and the questionnaire version the campaign uses, with answer labels in
    Russian. Called with the kiosk's own token (401 when it is unknown or revoked)."""
    state = request.app.state
    context = await state.campaigns.get_from(state.db, kiosk.campaign_code)
    if context is None:  # pragma: no cover - a kiosk's campaign is never deleted
        raise CampaignNotFound(kiosk.campaign_code)
    return KioskSetup(
        kiosk_id=kiosk.id,
        campaign_code=context.code,
        campaign_status=context.status,
        starts_on=context.starts_on,
        ends_on=context.ends_on,
        org_unit_code=kiosk.org_unit_code,
        questionnaire=context.definition,
        labels=FormLabels(
            satisfaction5=[
                AnswerLabel(code=answer.value, label_ru=ru, label_en=en)
                for answer, (ru, en) in SATISFACTION_LABELS.items()
            ],
            screening=[AnswerLabel(code=a.value, label_ru=ru, label_en=en) for a, (ru, en) in SCREENING_LABELS.items()],
            free_text_max_length=FREE_TEXT_MAX_LENGTH,
        ),
        batch_max_items=state.settings.batch_max_items,
    )

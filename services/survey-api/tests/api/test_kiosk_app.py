"""The reference kiosk web app is served by survey-api itself, and a kiosk token reads its setup."""

from __future__ import annotations

import httpx
import pytest

from .conftest import FEDERAL, create_campaign, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")


class TestKioskSetup:
    async def test_kiosk_reads_its_binding_and_questionnaire(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client, org_unit="MUR-MON-CGB")
        answer = await client.get("/v1/kiosk-setup", headers=kiosk_auth(kiosk))
        assert answer.status_code == 200, answer.text
        setup = answer.json()
        assert (setup["kiosk_id"], setup["campaign_code"], setup["org_unit_code"]) == (
            kiosk["id"],
            "mur-2025",
            "MUR-MON-CGB",
        )
        assert setup["campaign_status"] == "active"
        codes = [q["code"] for q in setup["questionnaire"]["questions"]]
        assert codes[:6] == ["q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support", "nps"]
        labels = {label["code"]: label["label_ru"] for label in setup["labels"]["satisfaction5"]}
        assert labels == {
            "yes": "Да",
            "rather_yes": "Скорее да",
            "rather_no": "Скорее нет",
            "no": "Нет",
            "dont_know": "Затрудняюсь ответить",
        }
        assert setup["batch_max_items"] == 1000

    async def test_revoked_or_user_tokens_are_refused(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=FEDERAL)).status_code == 200
        assert (await client.get("/v1/kiosk-setup", headers=kiosk_auth(kiosk))).status_code == 401
        assert (await client.get("/v1/kiosk-setup")).status_code == 401


class TestStaticApp:
    @pytest.mark.parametrize(
        ("path", "media_type", "marker"),
        [
            ("/kiosk/", "text/html", b'<html lang="ru">'),
            ("/kiosk/app.js", "text/javascript", b"indexedDB"),
            ("/kiosk/sw.js", "text/javascript", b"caches.open"),
            ("/kiosk/style.css", "text/css", b"min-height"),
            ("/kiosk/manifest.webmanifest", "application/manifest+json", b"start_url"),
        ],
    )
    async def test_files_are_served_without_a_cdn(
        self, client: httpx.AsyncClient, path: str, media_type: str, marker: bytes
    ) -> None:
        answer = await client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media_type)
        assert marker in answer.content
        assert b"http://" not in answer.content and b"https://" not in answer.content

    async def test_unknown_files_and_the_bare_path(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/kiosk/../app.py")).status_code == 404
        assert (await client.get("/kiosk/secrets.txt")).status_code == 404
        bare = await client.get("/kiosk")
        assert bare.status_code == 308 and bare.headers["location"] == "/kiosk/"

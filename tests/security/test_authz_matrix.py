"""Authorisation matrix: every operation of the three committed OpenAPI documents × caller × scope.

Callers: federal (scope RU), regional_admin, mo_operator and analyst (each scoped to RU-MUR), a kiosk
token (bound to a RU-MUR campaign and organisation), no token, an expired token and a token signed with
another key. Targets: the caller's own region RU-MUR and the other region RU-KYA (for federal both are
"inside"). Each cell builds a valid request for its target (fresh resources where the call changes
state) and its answer must be the status in EXPECTED. An operation missing from EXPECTED fails the
suite: a new endpoint must be classified here.

Rules applied (DESIGN §5): anything without a valid token is 401; a kiosk token opens only the kiosk
batch endpoint; nobody outside federal reads or writes another region (403 — or 404 where the
resource's existence is hidden, as for every id in roadmap-api, or 200 with the other region
filtered out for lists, which test_lists_never_show_the_other_region checks); catalogue writes
(indicators, targets, deadline rules, questionnaires) are federal or regional_admin; analysts never
write.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import webhook_matrix
from asgi_lifespan import LifespanManager
from support import OTHER, OWN, SERVICES, ZONES, bearer, caller_headers, kpi_mock, operations

from zdrav_shared.testing import ThrowawayDatabase, token

CALLERS = ("federal", "regional_admin", "mo_operator", "analyst", "kiosk", "none", "expired", "foreign_key")
TOKEN_ROLES = CALLERS[:4]
TARGETS = ("own", "other")
REGION = {"own": OWN, "other": OTHER}
FEDERAL = caller_headers("federal")
# Seeds values as another federal user, so that the federal column may approve them (four eyes).
SEEDER = {"Authorization": f"Bearer {token(['federal'], ['RU'], sub='sec-seeder')}"}
MUR_ADMIN = {"Authorization": f"Bearer {token(['regional_admin'], [OWN], sub='sec-mur-rules')}"}

# --- the table ------------------------------------------------------------------------------------
# "federal own other | regional_admin own other | mo_operator own other | analyst own other".
# Kiosk, no token, expired and foreign-key tokens are 401 in both columns unless AUTH_FAILURES says else.
# `=` marks an operation without a region (a catalogue): own and other are the same request.

EXPECTED: dict[str, dict[str, str]] = {
    "kpi-api": {
        # the values are entered by another federal user (four eyes: nobody approves what they entered)
        "approve_value": "200 200 | 200 404 | 403 403 | 403 403",
        # = the catalogue has no region: federal and regional_admin maintain it
        "create_indicator": "201 201 | 201 201 | 403 403 | 403 403",
        "create_org_unit": "201 201 | 201 403 | 403 403 | 403 403",
        "export_analytics": "200 200 | 200 403 | 200 403 | 200 403",
        "get_analytics": "200 200 | 200 403 | 200 403 | 200 403",
        # charts read through analytics: the same scope
        "get_indicator_chart": "200 200 | 200 403 | 200 403 | 200 403",
        "get_league_chart": "200 200 | 200 403 | 200 403 | 200 403",
        "get_completeness": "200 200 | 200 403 | 200 403 | 200 403",
        "get_indicator": "200 200 | 200 200 | 200 200 | 200 200",  # =
        # the org-unit registry is shared reference data (codes, names, hierarchy): every caller reads all of it
        "get_org_unit": "200 200 | 200 200 | 200 200 | 200 200",
        "get_org_unit_ancestors": "200 200 | 200 200 | 200 200 | 200 200",  # registry: readable by all
        "get_org_unit_subtree": "200 200 | 200 200 | 200 200 | 200 200",  # registry: readable by all
        # the federal report: federal, and a regional_admin for its own region
        "get_quarterly_report": "200 200 | 200 403 | 403 403 | 403 403",
        # another region's value is hidden (404), as if it did not exist
        "get_value": "200 200 | 200 404 | 200 404 | 200 404",
        "import_indicators": "200 200 | 200 200 | 403 403 | 403 403",  # = catalogue
        # roles at the door (403, docs/roles.md); then all rows or none: a row outside the scope makes the
        # file a 422 listing it
        "import_org_units": "200 200 | 200 422 | 403 403 | 403 403",
        # all rows or none: a row outside the scope makes the file a 422 listing it; analysts cannot import
        "import_values": "200 200 | 200 422 | 200 422 | 403 403",
        "list_deadline_rules": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "list_deadline_rule_changes": "200 200 | 200 200 | 200 200 | 200 200",  # = definitions' history: all read
        "list_indicator_changes": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "list_indicators": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "list_org_units": "200 200 | 200 200 | 200 200 | 200 200",  # registry: readable by all
        "list_target_changes": "200 200 | 200 200 | 200 200 | 200 200",  # filtered to the caller's scope
        "list_targets": "200 200 | 200 200 | 200 200 | 200 200",  # filtered to the caller's scope
        "list_value_changes": "200 200 | 200 404 | 200 404 | 200 404",
        # 200 but filtered to the caller's scope (test_lists_never_show_the_other_region)
        "list_values": "200 200 | 200 200 | 200 200 | 200 200",
        "put_targets": "200 200 | 200 403 | 403 403 | 403 403",
        "approve_targets": "200 200 | 200 403 | 403 403 | 403 403",  # = put_targets
        "reopen_targets": "200 200 | 200 403 | 403 403 | 403 403",  # = put_targets
        # a cause note is the region's own explanation: its writers and operators; another region's unit is hidden
        "put_cause_note": "200 200 | 200 404 | 200 404 | 403 403",
        # = BEDS is federal (owner RU): only federal approves its definition
        "approve_indicator": "200 200 | 403 403 | 403 403 | 403 403",
        "list_alerts": "200 200 | 200 403 | 200 403 | 200 403",  # = get_analytics (alerts are analytics' verdicts)
        # = federal only (pulls every region's survey and roadmap figures)
        "refresh_sources": "200 200 | 403 403 | 403 403 | 403 403",
        "reopen_value": "200 200 | 200 404 | 403 403 | 403 403",
        # = federal sets the national rule, a regional_admin its own region's (owners: test_definition_owners_kpi)
        "set_deadline_rule": "200 200 | 200 200 | 403 403 | 403 403",
        "remove_deadline_rule": "200 200 | 200 200 | 403 403 | 403 403",  # = each its own rule
        "submit_value": "200 200 | 200 404 | 200 404 | 403 403",
        # per item: an item outside the scope is `rejected` with a 403 problem inside the 200 (checked below)
        "submit_values": "200 200 | 200 200 | 200 200 | 403 403",
        # = BEDS is federal (owner RU): only federal changes it (owners: test_definition_owners_kpi)
        "update_indicator": "200 200 | 403 403 | 403 403 | 403 403",
        "update_org_unit": "200 200 | 200 403 | 403 403 | 403 403",
        # = reporting obligations: a catalogue owned by RU or a region (default: the caller's own)
        "create_report_type": "201 201 | 201 201 | 403 403 | 403 403",
        "list_report_types": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "get_report_type": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "list_report_type_changes": "200 200 | 200 200 | 200 200 | 200 200",  # =
        # only the owner: "own" is a type owned by RU-MUR, "other" the federal centre's (owner RU)
        "update_report_type": "403 200 | 200 403 | 403 403 | 403 403",
        # the region's report: its admin or operator; a service (roadmap-api) for any region
        "submit_report": "201 201 | 201 403 | 201 403 | 403 403",
        "list_report_submissions": "200 200 | 200 403 | 200 403 | 200 403",
        "record_population": "201 201 | 201 403 | 201 403 | 403 403",
        "get_population": "200 200 | 200 200 | 200 200 | 200 200",  # registry data: readable by all
        "get_lean_report_form": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "get_lean_report_summary": "200 200 | 200 403 | 200 403 | 200 403",
        "put_lean_report": "200 200 | 200 403 | 403 403 | 403 403",
        "get_lean_report": "200 200 | 200 403 | 200 403 | 200 403",
        "list_lean_report_changes": "200 200 | 200 403 | 200 403 | 200 403",
        "get_suggested_target": "200 200 | 200 403 | 200 403 | 200 403",
    },
    "survey-api": {
        "create_campaign": "201 201 | 201 403 | 403 403 | 403 403",
        # = the catalogue has no region; a new questionnaire is owned by the caller's own (RU, or its region)
        "create_questionnaire": "201 201 | 201 201 | 403 403 | 403 403",
        # = these questionnaires are the federal centre's: only their owner changes them
        # (tests/security/test_definition_owners_survey.py crosses owners and regions)
        "create_questionnaire_version": "201 201 | 403 403 | 403 403 | 403 403",
        "export_responses": "200 200 | 200 403 | 200 403 | 200 403",
        "get_aggregates": "200 200 | 200 403 | 200 403 | 200 403",
        "get_satisfaction_chart": "200 200 | 200 403 | 200 403 | 200 403",  # read through aggregates
        # was 200 for every region (a bug, fixed): hidden like an unknown code
        "get_campaign": "200 200 | 200 404 | 200 404 | 200 404",
        "get_kiosk": "200 200 | 200 404 | 200 404 | 200 404",  # another region's kiosk is hidden (404)
        "get_org_unit_aggregates": "200 200 | 200 403 | 200 403 | 200 403",
        "get_questionnaire": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "get_questionnaire_version": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "list_campaigns": "200 200 | 200 200 | 200 200 | 200 200",  # filtered to campaigns with an org unit in scope
        "list_comments": "200 200 | 200 200 | 200 200 | 200 200",  # filtered (patients' comments never cross regions)
        "list_kiosks": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "list_questionnaire_changes": "200 200 | 200 200 | 200 200 | 200 200",  # = every caller reads histories
        "list_questionnaires": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "publish_questionnaire_version": "200 200 | 403 403 | 403 403 | 403 403",  # = owner only
        # operators install kiosks in their own organisations
        "register_kiosk": "201 201 | 201 403 | 201 403 | 403 403",
        "revoke_kiosk": "200 200 | 200 404 | 200 404 | 403 403",
        # kiosk token: only kiosk-channel answers for its own campaign (own: channel online → 422, other → 403)
        "submit_response": "201 201 | 201 403 | 201 403 | 403 403",
        # kiosk-only endpoint: user tokens are 401; the RU-MUR kiosk posting for RU-KYA is 403
        "submit_response_batch": "401 401 | 401 401 | 401 401 | 401 401",
        # the kiosk app's setup: a kiosk token reads its own binding (there is no target to choose)
        "get_kiosk_setup": "401 401 | 401 401 | 401 401 | 401 401",
        # another region's campaign is hidden (404), as for get_campaign
        "update_campaign": "200 200 | 200 404 | 403 403 | 403 403",
        "update_questionnaire_version": "200 200 | 403 403 | 403 403 | 403 403",  # = owner only
    },
    "roadmap-api": {
        # By-id calls answer another region's id like an absent one (404); a body naming another
        # region (creates) and a region code in the path are 403: region codes are public.
        "cast_ballot": "201 201 | 201 404 | 403 403 | 403 403",
        "change_roadmap_status": "200 200 | 200 404 | 403 403 | 403 403",
        "create_improvement_project": "201 201 | 201 403 | 403 403 | 403 403",
        # the detractor webhook's credential is its HMAC signature: no bearer token opens it (401)
        "receive_detractor_webhook": "401 401 | 401 401 | 401 401 | 401 401",
        # services (and federal) open follow-ups by typed call; people complete them
        "open_detractor_followup": "201 201 | 403 403 | 403 403 | 403 403",
        "list_followups": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "get_followup": "200 200 | 200 404 | 200 404 | 200 404",
        "get_followup_summary": "200 200 | 200 403 | 200 403 | 200 403",
        "complete_followup": "200 200 | 200 404 | 200 404 | 403 403",
        "create_measure": "201 201 | 201 404 | 403 403 | 403 403",
        "create_participant_evaluation": "201 201 | 201 404 | 403 403 | 403 403",
        "create_programme": "201 201 | 201 403 | 403 403 | 403 403",
        "create_roadmap": "201 201 | 201 403 | 403 403 | 403 403",
        "create_roadmap_revision": "201 201 | 201 404 | 403 403 | 403 403",
        "create_session_participant": "201 201 | 201 404 | 403 403 | 403 403",
        "create_session_project": "201 201 | 201 404 | 403 403 | 403 403",
        "create_session_section": "201 201 | 201 404 | 403 403 | 403 403",
        "create_strategic_session": "201 201 | 201 403 | 403 403 | 403 403",
        "create_task": "201 201 | 201 404 | 403 403 | 403 403",
        "create_task_comment": "201 201 | 201 404 | 403 404 | 403 403",
        "create_working_group": "201 201 | 201 404 | 403 403 | 403 403",
        "get_improvement_project": "200 200 | 200 404 | 200 404 | 200 404",
        "get_programme": "200 200 | 200 404 | 200 404 | 200 404",
        "get_programme_financing": "200 200 | 200 404 | 200 404 | 200 404",
        "get_programme_plan": "200 200 | 200 404 | 200 404 | 200 404",
        # another region's project is hidden (404), as if it did not exist
        "get_region_execution": "200 200 | 200 403 | 200 403 | 200 403",
        "get_roadmap": "200 200 | 200 404 | 200 404 | 200 404",
        "get_roadmap_execution": "200 200 | 200 404 | 200 404 | 200 404",
        "get_roadmap_journal": "200 200 | 200 404 | 200 404 | 200 404",
        "get_roadmap_version": "200 200 | 200 404 | 200 404 | 200 404",
        "get_section_results": "200 200 | 200 404 | 200 404 | 200 404",
        "get_strategic_session": "200 200 | 200 404 | 200 404 | 200 404",
        "get_task": "200 200 | 200 404 | 200 404 | 200 404",
        "get_task_journal": "200 200 | 200 404 | 200 404 | 200 404",
        "list_due_tasks": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "list_improvement_projects": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "list_participant_assessments": "200 200 | 200 404 | 200 404 | 200 404",
        "list_programmes": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "list_regions_execution": "200 200 | 200 403 | 200 403 | 200 403",
        "list_roadmap_deviations": "200 200 | 200 404 | 200 404 | 200 404",
        "list_roadmap_versions": "200 200 | 200 404 | 200 404 | 200 404",
        "list_roadmaps": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "list_strategic_sessions": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "list_task_comments": "200 200 | 200 404 | 200 404 | 200 404",
        "list_task_reports": "200 200 | 200 404 | 200 404 | 200 404",
        "list_tasks": "200 200 | 200 404 | 200 404 | 200 404",
        # the seeded tasks have no org unit: the region's mo_operator may not report for them
        "put_task_report": "201 201 | 201 404 | 403 404 | 403 403",
        "replace_improvement_metrics": "200 200 | 200 404 | 403 404 | 403 403",
        "replace_improvement_stages": "200 200 | 200 404 | 403 404 | 403 403",
        "replace_programme_financing": "200 200 | 200 404 | 403 403 | 403 403",
        "replace_programme_plan": "200 200 | 200 404 | 403 403 | 403 403",
        "replace_roadmap_kpis": "200 200 | 200 404 | 403 403 | 403 403",
        "select_session_project": "200 200 | 200 404 | 403 403 | 403 403",
        "update_improvement_project": "200 200 | 200 404 | 403 404 | 403 403",
        "update_roadmap": "200 200 | 200 404 | 403 403 | 403 403",
        "update_task": "200 200 | 200 404 | 403 404 | 403 403",
        # -- the programme workflows: ids of another region are hidden (404) --------------------
        "list_programme_financing_lines": "200 200 | 200 404 | 200 404 | 200 404",
        "replace_programme_volumes": "200 200 | 200 404 | 403 403 | 403 403",
        "list_programme_volumes": "200 200 | 200 404 | 200 404 | 200 404",
        "report_programme_activity_progress": "200 200 | 200 404 | 403 403 | 403 403",
        "list_programme_progress": "200 200 | 200 404 | 200 404 | 200 404",
        "get_programme_execution": "200 200 | 200 404 | 200 404 | 200 404",
        # an mo_operator writes a project's progress only when it is of its organisation (these have none)
        "create_improvement_comment": "201 201 | 201 404 | 403 404 | 403 403",
        "list_improvement_comments": "200 200 | 200 404 | 200 404 | 200 404",
        "step_improvement_passport": "200 200 | 200 404 | 403 404 | 403 403",
        "list_new_model_criteria": "200 200 | 200 200 | 200 200 | 200 200",  # = reference list
        "get_strategic_session_kpis": "200 200 | 200 403 | 200 403 | 200 403",
        "issue_voting_token": "201 201 | 201 404 | 403 403 | 403 403",
        "add_session_observer": "201 201 | 201 404 | 403 403 | 403 403",
        "list_session_observers": "200 200 | 200 404 | 200 404 | 200 404",
        "revoke_session_observer": "204 204 | 204 404 | 403 403 | 403 403",
        "end_strategic_session": "200 200 | 200 404 | 403 403 | 403 403",
        "set_composition_rules": "200 200 | 200 404 | 403 403 | 403 403",
        "get_session_composition": "200 200 | 200 404 | 200 404 | 200 404",
        "change_session_project_status": "200 200 | 200 404 | 403 403 | 403 403",
        # = the catalogue is shared: any region's admin adds (owned by its region), everyone reads
        "list_best_practices": "200 200 | 200 200 | 200 200 | 200 200",
        "create_best_practice": "201 201 | 201 201 | 403 403 | 403 403",
        "get_best_practice": "200 200 | 200 200 | 200 200 | 200 200",
        # a region's own practice: only that region changes it (federal owns RU's, not the regions')
        "update_best_practice": "403 403 | 200 403 | 403 403 | 403 403",
        "list_federal_proposals": "200 200 | 200 403 | 200 403 | 200 403",
        "list_life_situations": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "create_life_situation": "201 201 | 201 201 | 403 403 | 403 403",  # = like best practices
        "get_life_situation": "200 200 | 200 200 | 200 200 | 200 200",  # =
        "update_life_situation": "403 403 | 200 403 | 403 403 | 403 403",  # like update_best_practice
        # an mo_operator of the institution adds it and measures it (this one is scoped to the region)
        "add_life_situation_institution": "201 201 | 201 403 | 201 403 | 403 403",
        "list_life_situation_institutions": "200 200 | 200 403 | 200 403 | 200 403",
        "create_self_assessment": "201 201 | 201 403 | 201 403 | 403 403",
        "list_self_assessments": "200 200 | 200 403 | 200 403 | 200 403",
        "get_self_assessment_baseline": "200 200 | 200 403 | 200 403 | 200 403",
        "get_self_assessment": "200 200 | 200 404 | 200 404 | 200 404",
        "replace_self_assessment_measurements": "200 200 | 200 404 | 200 404 | 403 403",
        "set_kpi_baseline_from_self_assessment": "200 200 | 200 404 | 403 403 | 403 403",
        # one centre per region, seeded in both: whoever may create one meets the existing one (409)
        "create_regional_centre": "409 409 | 409 403 | 403 403 | 403 403",
        "list_regional_centres": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "get_regional_centre": "200 200 | 200 404 | 200 404 | 200 404",
        "update_regional_centre": "200 200 | 200 404 | 403 403 | 403 403",
        "add_regional_centre_member": "201 201 | 201 404 | 403 403 | 403 403",
        "update_regional_centre_member": "200 200 | 200 404 | 403 403 | 403 403",
        "remove_regional_centre_member": "200 200 | 200 404 | 403 403 | 403 403",
        "get_regional_centre_compliance": "200 200 | 200 404 | 200 404 | 200 404",
        "list_regional_centre_notices": "200 200 | 200 404 | 200 404 | 200 404",
        "deliver_regional_centre_notices": "200 200 | 200 404 | 403 403 | 403 403",
        # an mo_operator of the polyclinic opens a thread and writes in it
        "create_escalation": "201 201 | 201 403 | 201 403 | 403 403",
        "list_escalations": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
        "get_escalation": "200 200 | 200 404 | 200 404 | 200 404",
        "comment_escalation": "200 200 | 200 404 | 200 404 | 403 403",
        "raise_escalation": "200 200 | 200 404 | 403 403 | 403 403",
        "answer_escalation": "200 200 | 200 404 | 403 403 | 403 403",
        "resolve_escalation": "200 200 | 200 404 | 403 403 | 403 403",
        "list_audit_entries": "200 200 | 200 200 | 200 200 | 200 200",  # filtered
    },
}
AUTH_FAILURES: dict[str, str] = {
    # A kiosk token is accepted on the online endpoint only for kiosk-channel answers of its own campaign.
    "survey-api submit_response": "kiosk=422,403",
    # The batch endpoint is the kiosk's: its own campaign and org unit 200, another region's 403.
    "survey-api submit_response_batch": "kiosk=200,403",
    "survey-api get_kiosk_setup": "kiosk=200,200",
}


def expected_cells(service: str, operation_id: str) -> dict[tuple[str, str], int]:
    row = EXPECTED[service][operation_id]
    numbers = [int(x) for x in row.replace("|", " ").split()]
    assert len(numbers) == 8, (operation_id, row)
    cells = {
        (caller, target): numbers[2 * i + j] for i, caller in enumerate(TOKEN_ROLES) for j, target in enumerate(TARGETS)
    }
    failures = AUTH_FAILURES.get(f"{service} {operation_id}", "")
    overrides = dict(part.split("=") for part in failures.split()) if failures else {}
    for caller in CALLERS[4:]:
        own, other = overrides.get(caller, "401,401").split(",")
        cells[(caller, "own")], cells[(caller, "other")] = int(own), int(other)
    return cells


# --- worlds: seeded data in both regions, and how to call each operation -------------------------

Request = tuple[str, str, dict[str, Any]]  # method, path, httpx kwargs
Builder = Callable[["World", str], Awaitable[Request]]


@dataclass
class World:
    client: httpx.AsyncClient
    ids: dict[str, Any] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=itertools.count)
    periods: Iterator[int] = field(default_factory=itertools.count)  # a fresh period per value created
    kiosk_token: str = ""
    app: Any = None  # the service itself, for what a request cannot set up (webhook deliveries)

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}{uuid.uuid4().hex[:4]}".upper()

    async def post(self, path: str, body: Any, status: int = 201) -> Any:
        response = await self.client.post(path, json=body, headers=FEDERAL)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        return response.json()


# kpi-api ------------------------------------------------------------------------------------------

KPI_UNITS = [
    {"code": "RU", "name_ru": "РФ", "level": "federation"},
    {"code": OWN, "name_ru": "Мурманская", "level": "region", "parent_code": "RU", "timezone": ZONES[OWN]},
    {"code": OTHER, "name_ru": "Красноярский", "level": "region", "parent_code": "RU", "timezone": ZONES[OTHER]},
    {"code": "RU-MUR-MUR", "name_ru": "Мурманск", "level": "municipality", "parent_code": OWN},
    {"code": "RU-KYA-KRS", "name_ru": "Красноярск", "level": "municipality", "parent_code": OTHER},
    {"code": "MUR-GP1", "name_ru": "Поликлиника", "level": "organisation", "parent_code": "RU-MUR-MUR"},
    {"code": "KYA-GP1", "name_ru": "Поликлиника", "level": "organisation", "parent_code": "RU-KYA-KRS"},
]
ORG = {"own": "MUR-GP1", "other": "KYA-GP1"}
MUNI = {"own": "RU-MUR-MUR", "other": "RU-KYA-KRS"}


def indicator_body(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name_ru": code,
        "unit": "чел.",
        "kind": "input",
        "direction": "higher_is_better",
        "periodicity": "quarter",
    }


async def kpi_seed(world: World) -> None:
    for unit in KPI_UNITS:
        await world.post("/v1/org-units", unit)
    await world.post("/v1/indicators", indicator_body("BEDS"))
    for target in TARGETS:
        world.ids[f"value-{target}"] = await kpi_value(world, target)
    mur_type = {
        "code": "mur_notice",
        "name_ru": "Уведомление",
        "due": {"rule": "working_days_after_event", "days": 3},
    }
    created = await world.client.post("/v1/report-types", json=mur_type, headers=caller_headers("regional_admin"))
    assert created.status_code == 201, created.text
    for target in TARGETS:
        lean = {"rows": [{"table": 1, "row_type": "adult_polyclinic", "cells": {"2": 3}}]}
        await world.client.put(f"/v1/lean-reports/{REGION[target]}/2019-07-01", json=lean, headers=FEDERAL)


def _event_date(world: World) -> str:
    """A fresh event date per call, so each submission is recorded anew (201)."""
    return (date(2020, 1, 1) + timedelta(days=next(world.periods))).isoformat()


async def kpi_value(world: World, target: str, submit: bool = False) -> int:
    """A fresh value of BEDS at the target's organisation, in its own period (so cells never collide)."""
    n = next(world.periods)
    period = f"{2001 + n // 4}Q{1 + n % 4}"
    item = {"indicator_code": "BEDS", "org_unit_code": ORG[target], "period": period, "value": 5}
    response = await world.client.post("/v1/values", json={"items": [item], "submit": submit}, headers=SEEDER)
    answer = response.json()
    assert answer["results"][0]["status"] == "created", answer
    listed = await world.client.get("/v1/values", params={"org_unit": ORG[target], "period": period}, headers=FEDERAL)
    return int(listed.json()["items"][0]["id"])


def csv_file(text: str) -> dict[str, Any]:
    return {"files": {"file": ("rows.csv", text.encode(), "text/csv")}}


async def _approved_value(world: World, target: str) -> int:
    value_id = await kpi_value(world, target, submit=True)
    await world.post(f"/v1/values/{value_id}/approve", {}, status=200)
    return value_id


KPI: dict[str, Builder] = {
    "get_analytics": lambda w, t: _r(
        "GET", "/v1/analytics", params={"indicators": "BEDS", "org_units": REGION[t], "periods": "2025Q2"}
    ),
    "export_analytics": lambda w, t: _r(
        "GET", "/v1/analytics/export", params={"indicators": "BEDS", "org_units": REGION[t], "periods": "2025Q2"}
    ),
    "get_indicator_chart": lambda w, t: _r(
        "GET", "/v1/charts/indicator.png", params={"indicator": "BEDS", "org_unit": ORG[t], "periods": "2025Q1,2025Q2"}
    ),
    "get_league_chart": lambda w, t: _r(
        "GET", "/v1/charts/league.svg", params={"indicator": "BEDS", "parent": REGION[t], "period": "2025Q2"}
    ),
    "get_completeness": lambda w, t: _r("GET", "/v1/completeness", params={"region": REGION[t], "period": "2025Q2"}),
    "list_deadline_rules": lambda w, t: _r("GET", "/v1/deadline-rules"),
    "list_deadline_rule_changes": lambda w, t: _r("GET", "/v1/deadline-rules/quarter/history"),
    "list_indicator_changes": lambda w, t: _r("GET", "/v1/indicators/BEDS/history"),
    "set_deadline_rule": lambda w, t: _r("PUT", "/v1/deadline-rules/quarter", json={"day_of_month": 10}),
    "list_indicators": lambda w, t: _r("GET", "/v1/indicators"),
    "create_indicator": lambda w, t: _r("POST", "/v1/indicators", json=indicator_body(w.unique("I"))),
    "import_indicators": lambda w, t: _r(
        "POST",
        "/v1/indicators/import",
        **csv_file(
            f"code;name_ru;unit;kind;direction;periodicity\n{w.unique('J')};x;u;input;higher_is_better;quarter\n"
        ),
    ),
    "get_indicator": lambda w, t: _r("GET", "/v1/indicators/BEDS"),
    "update_indicator": lambda w, t: _r("PATCH", "/v1/indicators/BEDS", json={"name_en": "Beds"}),
    "list_targets": lambda w, t: _r("GET", "/v1/indicators/BEDS/targets", params={"org_unit": REGION[t]}),
    "put_targets": lambda w, t: _r(
        "PUT",
        "/v1/indicators/BEDS/targets",
        json={"items": [{"org_unit_code": REGION[t], "period": "2025", "target": 10}]},
    ),
    "list_target_changes": lambda w, t: _r("GET", "/v1/indicators/BEDS/targets/history"),
    "put_cause_note": lambda w, t: _r(
        "PUT", "/v1/indicators/BEDS/cause-notes", json={"org_unit_code": REGION[t], "period": "2025", "note": "кадры"}
    ),
    "approve_indicator": lambda w, t: _r("POST", "/v1/indicators/BEDS/approval", json={}),
    "list_alerts": lambda w, t: _r("GET", "/v1/alerts", params={"region": REGION[t], "year": 2025}),
    "list_org_units": lambda w, t: _r("GET", "/v1/org-units", params={"under": REGION[t]}),
    "create_org_unit": lambda w, t: _r(
        "POST",
        "/v1/org-units",
        json={"code": w.unique("ORG-"), "name_ru": "x", "level": "organisation", "parent_code": MUNI[t]},
    ),
    "import_org_units": lambda w, t: _r(
        "POST",
        "/v1/org-units/import",
        **csv_file(f"code;name_ru;level;parent_code\n{w.unique('IMP-')};x;organisation;{MUNI[t]}\n"),
    ),
    "get_org_unit": lambda w, t: _r("GET", f"/v1/org-units/{ORG[t]}"),
    "update_org_unit": lambda w, t: _r("PATCH", f"/v1/org-units/{ORG[t]}", json={"name_en": "Polyclinic"}),
    "get_org_unit_ancestors": lambda w, t: _r("GET", f"/v1/org-units/{ORG[t]}/ancestors"),
    "get_org_unit_subtree": lambda w, t: _r("GET", f"/v1/org-units/{REGION[t]}/subtree"),
    "get_quarterly_report": lambda w, t: _r(
        "GET", "/v1/reports/quarterly", params={"period": "2025Q2", "region": REGION[t]}
    ),
    "refresh_sources": lambda w, t: _r("POST", "/v1/sources/refresh", params={"period": "2025Q2"}),
    "list_values": lambda w, t: _r("GET", "/v1/values", params={"org_unit": REGION[t]}),
    "submit_values": lambda w, t: _r(
        "POST",
        "/v1/values",
        json={"items": [{"indicator_code": "BEDS", "org_unit_code": ORG[t], "period": "2024Q1", "value": 3}]},
    ),
    "import_values": lambda w, t: _r(
        "POST", "/v1/values/import", **csv_file(f"indicator_code;org_unit_code;period;value\nBEDS;{ORG[t]};2024Q2;4\n")
    ),
    "get_value": lambda w, t: _r("GET", f"/v1/values/{w.ids['value-' + t]}"),
    "list_value_changes": lambda w, t: _r("GET", f"/v1/values/{w.ids['value-' + t]}/history"),
    "create_report_type": lambda w, t: _r(
        "POST",
        "/v1/report-types",
        json={"code": w.unique("rt_").lower(), "name_ru": "x", "due": {"rule": "months_after_event", "months": 1}},
    ),
    "list_report_types": lambda w, t: _r("GET", "/v1/report-types"),
    "get_report_type": lambda w, t: _r("GET", "/v1/report-types/federal_monthly"),
    "list_report_type_changes": lambda w, t: _r("GET", "/v1/report-types/federal_monthly/history"),
    "update_report_type": lambda w, t: _r(
        "PATCH",
        f"/v1/report-types/{'mur_notice' if t == 'own' else 'federal_monthly'}",
        json={"name_ru": w.unique("N")},
    ),
    "submit_report": lambda w, t: _r(
        "POST",
        "/v1/report-submissions",
        json={"report_type": "regional_centre_change", "org_unit_code": REGION[t], "event_date": _event_date(w)},
    ),
    "list_report_submissions": lambda w, t: _r(
        "GET",
        "/v1/report-submissions",
        params={"report_type": "federal_monthly", "period": "2025-05", "region": REGION[t]},
    ),
    "record_population": lambda w, t: _r(
        "POST", f"/v1/org-units/{ORG[t]}/population", json={"as_of": _event_date(w), "value": 1000}
    ),
    "get_population": lambda w, t: _r("GET", f"/v1/org-units/{ORG[t]}/population"),
    "get_lean_report_form": lambda w, t: _r("GET", "/v1/lean-reports/form"),
    "get_lean_report_summary": lambda w, t: _r(
        "GET", "/v1/lean-reports/summary", params={"as_of": "2019-07-01", "region": REGION[t]}
    ),
    "put_lean_report": lambda w, t: _r(
        "PUT",
        f"/v1/lean-reports/{REGION[t]}/2019-07-01",
        json={"rows": [{"table": 1, "row_type": "adult_polyclinic", "cells": {"2": 3}}]},
    ),
    "get_lean_report": lambda w, t: _r("GET", f"/v1/lean-reports/{REGION[t]}/2019-07-01"),
    "list_lean_report_changes": lambda w, t: _r("GET", f"/v1/lean-reports/{REGION[t]}/2019-07-01/history"),
    "get_suggested_target": lambda w, t: _r(
        "GET", "/v1/indicators/BEDS/suggested-target", params={"org_unit": ORG[t], "period": "2025Q2", "long_term": 10}
    ),
}


async def _kpi_submit(w: World, t: str) -> Request:
    return "POST", f"/v1/values/{await kpi_value(w, t)}/submit", {"json": {}}


async def _kpi_approve(w: World, t: str) -> Request:
    return "POST", f"/v1/values/{await kpi_value(w, t, submit=True)}/approve", {"json": {}}


async def _kpi_reopen(w: World, t: str) -> Request:
    return "POST", f"/v1/values/{await _approved_value(w, t)}/reopen", {"json": {"reason": "исправление"}}


async def _kpi_remove_rule(w: World, t: str) -> Request:
    """A national rule and RU-MUR's own: each caller removes its own (federal RU's, the admin RU-MUR's)."""
    body = {"day_of_month": 7, "months_after": 1}
    for headers in (FEDERAL, MUR_ADMIN):
        response = await w.client.put("/v1/deadline-rules/year", json=body, headers=headers)
        assert response.status_code == 200, response.text
    return "DELETE", "/v1/deadline-rules/year", {}


async def _kpi_target(w: World, t: str, approve: bool) -> dict[str, Any]:
    """A fresh target of BEDS at the target's region (its own year), approved when asked."""
    key = {"org_unit_code": REGION[t], "period": str(2100 + next(w.periods))}
    put = await w.client.put("/v1/indicators/BEDS/targets", json={"items": [{**key, "target": 7}]}, headers=FEDERAL)
    assert put.status_code == 200, put.text
    if approve:
        done = await w.client.post("/v1/indicators/BEDS/targets/approval", json={"items": [key]}, headers=FEDERAL)
        assert done.status_code == 200, done.text
    return key


async def _kpi_approve_targets(w: World, t: str) -> Request:
    return "POST", "/v1/indicators/BEDS/targets/approval", {"json": {"items": [await _kpi_target(w, t, False)]}}


async def _kpi_reopen_targets(w: World, t: str) -> Request:
    body = {"items": [await _kpi_target(w, t, True)], "reason": "программа изменена"}
    return "POST", "/v1/indicators/BEDS/targets/reopen", {"json": body}


KPI.update(
    approve_targets=_kpi_approve_targets,
    reopen_targets=_kpi_reopen_targets,
    submit_value=_kpi_submit,
    approve_value=_kpi_approve,
    reopen_value=_kpi_reopen,
    remove_deadline_rule=_kpi_remove_rule,
)


async def _r_async(method: str, path: str, **kwargs: Any) -> Request:
    return method, path, kwargs


def _r(method: str, path: str, **kwargs: Any) -> Awaitable[Request]:
    return _r_async(method, path, **kwargs)


# survey-api ---------------------------------------------------------------------------------------

QUESTIONS = [
    {"code": "q1_process", "type": "satisfaction5", "text_ru": "Удовлетворены?", "required": True},
    {"code": "nps", "type": "nps", "text_ru": "Порекомендуете?", "required": True},
]
ANSWERS = {
    "q1_process": "yes",
    "q2_documents": "yes",
    "q3_duration": "rather_yes",
    "q4_simplicity": "no",
    "q5_support": "dont_know",
    "nps": 9,
}
CAMPAIGN = {"own": "sec-own", "other": "sec-other"}


def campaign_body(code: str, org_unit: str) -> dict[str, Any]:
    return {
        "code": code,
        "questionnaire_code": "nsi-standard",
        "org_unit_codes": [org_unit],
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
        "channels": ["kiosk", "online", "phone"],
    }


async def survey_seed(world: World) -> None:
    for target in TARGETS:
        await world.post("/v1/campaigns", campaign_body(CAMPAIGN[target], ORG[target]))
        kiosk = await world.post(
            "/v1/kiosks", {"campaign_code": CAMPAIGN[target], "org_unit_code": ORG[target], "name": "Холл"}
        )
        world.ids[f"kiosk-{target}"] = kiosk["id"]
        if target == "own":
            world.kiosk_token = kiosk["token"]
    await world.post("/v1/questionnaires", {"code": "sec-q", "title_ru": "Q", "questions": QUESTIONS})


def _response(target: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "campaign_code": CAMPAIGN[target],
        "org_unit_code": ORG[target],
        "channel": "online",
        "submitted_at": "2025-05-10T09:00:00+03:00",
        "answers": ANSWERS,
    }


async def _fresh_kiosk(w: World, t: str) -> Request:
    kiosk = await w.post("/v1/kiosks", {"campaign_code": CAMPAIGN[t], "org_unit_code": ORG[t], "name": "Холл"})
    return "POST", f"/v1/kiosks/{kiosk['id']}/revoke", {}


async def _draft_questionnaire(w: World, t: str) -> str:
    code = w.unique("q-").lower()
    await w.post("/v1/questionnaires", {"code": code, "title_ru": "Q", "questions": QUESTIONS})
    return code


async def _new_version(w: World, t: str) -> Request:
    code = await _draft_questionnaire(w, t)
    await w.post(f"/v1/questionnaires/{code}/versions/1/publish", None, status=200)
    return "POST", f"/v1/questionnaires/{code}/versions", {}


async def _edit_draft(w: World, t: str) -> Request:
    return "PATCH", f"/v1/questionnaires/{await _draft_questionnaire(w, t)}/versions/1", {"json": {"title_en": "Q"}}


async def _publish_draft(w: World, t: str) -> Request:
    return "POST", f"/v1/questionnaires/{await _draft_questionnaire(w, t)}/versions/1/publish", {}


SURVEY: dict[str, Builder] = {
    "get_aggregates": lambda w, t: _r(
        "GET", "/v1/aggregates", params={"campaign": CAMPAIGN[t], "org_unit": REGION[t], "period": "2025Q2"}
    ),
    "get_satisfaction_chart": lambda w, t: _r(
        "GET",
        "/v1/charts/satisfaction.png",
        params={"campaign": CAMPAIGN[t], "org_unit": REGION[t], "period": "2025Q2"},
    ),
    "get_org_unit_aggregates": lambda w, t: _r(
        "GET", "/v1/aggregates/org-units", params={"org_units": REGION[t], "period": "2025Q2"}
    ),
    "list_campaigns": lambda w, t: _r("GET", "/v1/campaigns", params={"org_unit": REGION[t]}),
    "create_campaign": lambda w, t: _r("POST", "/v1/campaigns", json=campaign_body(w.unique("c-").lower(), ORG[t])),
    "get_campaign": lambda w, t: _r("GET", f"/v1/campaigns/{CAMPAIGN[t]}"),
    "update_campaign": lambda w, t: _r("PATCH", f"/v1/campaigns/{CAMPAIGN[t]}", json={"life_situation": "ССЗ"}),
    "list_comments": lambda w, t: _r("GET", "/v1/comments", params={"campaign": CAMPAIGN[t]}),
    "export_responses": lambda w, t: _r(
        "GET", "/v1/exports/responses", params={"campaign": CAMPAIGN[t], "org_unit": REGION[t], "period": "2025Q2"}
    ),
    "list_kiosks": lambda w, t: _r("GET", "/v1/kiosks", params={"campaign": CAMPAIGN[t]}),
    "register_kiosk": lambda w, t: _r(
        "POST", "/v1/kiosks", json={"campaign_code": CAMPAIGN[t], "org_unit_code": ORG[t], "name": "Вход"}
    ),
    "get_kiosk": lambda w, t: _r("GET", f"/v1/kiosks/{w.ids['kiosk-' + t]}"),
    "revoke_kiosk": _fresh_kiosk,
    "list_questionnaires": lambda w, t: _r("GET", "/v1/questionnaires"),
    "create_questionnaire": lambda w, t: _r(
        "POST", "/v1/questionnaires", json={"code": w.unique("n-").lower(), "title_ru": "Q", "questions": QUESTIONS}
    ),
    "get_questionnaire": lambda w, t: _r("GET", "/v1/questionnaires/nsi-standard"),
    "create_questionnaire_version": _new_version,
    "get_questionnaire_version": lambda w, t: _r("GET", "/v1/questionnaires/nsi-standard/versions/1"),
    "list_questionnaire_changes": lambda w, t: _r("GET", "/v1/questionnaires/nsi-standard/history"),
    "update_questionnaire_version": _edit_draft,
    "publish_questionnaire_version": _publish_draft,
    "submit_response": lambda w, t: _r("POST", "/v1/responses", json=_response(t)),
    "get_kiosk_setup": lambda w, t: _r("GET", "/v1/kiosk-setup"),
    "submit_response_batch": lambda w, t: _r(
        "POST",
        "/v1/responses/batch",
        json={
            "campaign_code": CAMPAIGN[t],
            "org_unit_code": ORG[t],
            "responses": [{"id": str(uuid.uuid4()), "submitted_at": "2025-05-10T09:00:00+03:00", "answers": ANSWERS}],
        },
    ),
}


# roadmap-api --------------------------------------------------------------------------------------


async def roadmap_seed(world: World) -> None:
    for target in TARGETS:
        region = REGION[target]
        roadmap = await world.post("/v1/roadmaps", {"region_code": region, "life_situation": "ССЗ", "title": "ДК"})
        world.ids[f"roadmap-{target}"] = roadmap["id"]
        task = await world.post(f"/v1/roadmaps/{roadmap['id']}/tasks", _task())
        world.ids[f"task-{target}"] = task["id"]
        session = await world.post("/v1/strategic-sessions", {"region_code": region, "theme": "ПМСП"})
        sid = world.ids[f"session-{target}"] = session["id"]
        await world.post(f"/v1/strategic-sessions/{sid}/sections", _section("S1"))
        participant = await world.post(
            f"/v1/strategic-sessions/{sid}/participants", {"name": "Иванов", "category": "ministry"}
        )
        world.ids[f"participant-{target}"] = participant["id"]
        world.ids[f"project-{target}"] = (
            await world.post(
                f"/v1/strategic-sessions/{sid}/projects", {"code": "P1", "title": "П", "section_code": "S1"}
            )
        )["id"]
        world.ids[f"improvement-{target}"] = (await world.post("/v1/improvement-projects", _improvement(region)))["id"]
        world.ids[f"followup-{target}"] = (await world.post("/v1/followups", _detractor(ORG[target])))["followup"]["id"]
        world.ids[f"programme-{target}"] = (await world.post("/v1/programmes", _programme(world, region)))["id"]
        await flow_seed(world, target)


async def flow_seed(world: World, target: str) -> None:
    """The programme workflows' objects of one region: a plan activity, an observer, the region's
    own best practice and life situation, a self-assessment, a draft roadmap with the KPI it
    measures, the regional centre with a member, and an escalation."""
    region, org = REGION[target], ORG[target]
    activity: dict[str, Any] = {
        "level": "activity",
        "number": 1,
        "goal_no": 1,
        "task_no": 1,
        "title_ru": "М",
        "start": {"kind": "date", "on": "2025-01-01"},
        "end": {"kind": "date", "on": "2025-12-31"},
    }
    plan = [
        {**activity, "level": "goal", "task_no": None, "title_ru": "Ц"},
        {**activity, "level": "task", "title_ru": "З"},
        activity,
    ]
    world.ids["plan"] = plan
    sid = world.ids[f"session-{target}"]
    world.ids[f"observer-{target}"] = (await world.post(f"/v1/strategic-sessions/{sid}/observers", {"name": "М"}))["id"]
    admin = bearer(token(["regional_admin"], [region], sub=f"sec-admin-{target}"))
    practice = await world.client.post(
        "/v1/best-practices", json={"code": f"bp-{target}", "name_ru": "Практика"}, headers=admin
    )
    world.ids[f"practice-{target}"] = practice.json()["code"]
    situation = {
        "code": f"ls-{target}",
        "name_ru": "ЖС",
        "start_event_ru": "н",
        "end_event_ru": "к",
        "beneficiaries_ru": "все",
    }
    world.ids[f"situation-{target}"] = (
        await world.client.post("/v1/life-situations", json=situation, headers=admin)
    ).json()["code"]
    world.ids[f"assessment-{target}"] = (
        await world.post("/v1/life-situations/nsi-health-1/self-assessments", _assessment(org, "WAIT"))
    )["id"]
    kpis = [{"indicator_code": "WAIT", "target": 1, "target_period": "2025"}]
    world.ids[f"kpi-roadmap-{target}"] = (
        await world.post("/v1/roadmaps", {"region_code": region, "life_situation": "ССЗ", "title": "ДК", "kpis": kpis})
    )["id"]
    centre = await world.post("/v1/regional-centres", {"region_code": region, "name_ru": "РЦ ПМСП"})
    world.ids[f"centre-{target}"] = centre["id"]
    world.ids[f"member-{target}"] = (await world.post(f"/v1/regional-centres/{centre['id']}/members", _member(org)))[
        "id"
    ]
    world.ids[f"escalation-{target}"] = (await world.post("/v1/escalations", _escalation(org)))["id"]


def _assessment(org: str, indicator: str) -> dict[str, Any]:
    return {"org_unit_code": org, "indicator_code": indicator, "metric_ru": "м", "unit": "дни", "measurements": [3, 5]}


def _member(org: str) -> dict[str, Any]:
    return {"name": "Сотрудник", "position": "Специалист", "medical_education": True, "polyclinic_codes": [org]}


def _escalation(org: str) -> dict[str, Any]:
    return {"subject_kind": "polyclinic", "org_unit_code": org, "title": "Проблема", "description": "Описание"}


def _task() -> dict[str, Any]:
    return {"title": "Мероприятие", "start_date": "2025-01-10", "due_date": "2025-03-31", "responsible": "МЗ"}


def _section(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": "Секция",
        "voting_mode": "single_choice",
        "opens_at": "2020-01-01T00:00:00+00:00",
        "closes_at": "2099-01-01T00:00:00+00:00",
    }


def _improvement(region: str) -> dict[str, Any]:
    return {
        "region_code": region,
        "title": "Запись",
        "category": "registry",
        "process": "запись",
        "problem": "очереди",
        "goal": "без очередей",
    }


def _programme(world: World, region: str) -> dict[str, Any]:
    return {
        "code": world.unique("PR-"),
        "region_code": region,
        "title_ru": "Программа",
        "start_year": 2025,
        "end_year": 2030,
    }


async def _fresh_participant(w: World, t: str) -> int:
    sid = w.ids[f"session-{t}"]
    return int((await w.post(f"/v1/strategic-sessions/{sid}/participants", {"name": "П", "category": "student"}))["id"])


async def _ballot(w: World, t: str) -> Request:
    sid = w.ids[f"session-{t}"]
    body = {"participant_id": await _fresh_participant(w, t), "choice": "P1"}
    return "POST", f"/v1/strategic-sessions/{sid}/sections/S1/ballots", {"json": body}


async def _selection(w: World, t: str) -> Request:
    sid = w.ids[f"session-{t}"]
    project = await w.post(
        f"/v1/strategic-sessions/{sid}/projects", {"code": w.unique("P"), "title": "П", "section_code": "S1"}
    )
    body = {"implement_as": "improvement_project", "category": "registry"}
    return "POST", f"/v1/strategic-sessions/{sid}/projects/{project['id']}/selection", {"json": body}


async def _status(w: World, t: str) -> Request:
    roadmap = await w.post("/v1/roadmaps", {"region_code": REGION[t], "life_situation": "ССЗ", "title": "ДК"})
    return "POST", f"/v1/roadmaps/{roadmap['id']}/status", {"json": {"status": "approved"}}


async def _revision(w: World, t: str) -> Request:
    roadmap = await w.post("/v1/roadmaps", {"region_code": REGION[t], "life_situation": "ССЗ", "title": "ДК"})
    await w.post(f"/v1/roadmaps/{roadmap['id']}/status", {"status": "approved"}, status=200)
    return "POST", f"/v1/roadmaps/{roadmap['id']}/revisions", {"json": {"reason": "сроки сорваны"}}


async def _report(w: World, t: str) -> Request:
    body = {**_task(), "start_date": "2025-01-01", "due_date": "2025-12-31", "recurrence": "ongoing"}
    task = await w.post(f"/v1/roadmaps/{w.ids['roadmap-' + t]}/tasks", body)
    return "PUT", f"/v1/tasks/{task['id']}/reports/2025Q1", {"json": {"completed_on": "2025-03-28"}}


def _sid(w: World, t: str) -> int:
    return int(w.ids[f"session-{t}"])


async def _activity_progress(w: World, t: str) -> Request:
    """A fresh programme with one activity (another cell may have replaced the seeded plan)."""
    programme = await w.post("/v1/programmes", _programme(w, REGION[t]))
    plan = await w.client.put(f"/v1/programmes/{programme['id']}/plan", json={"items": w.ids["plan"]}, headers=FEDERAL)
    assert plan.status_code == 200, plan.text
    return "PUT", f"/v1/programmes/{programme['id']}/activities/1/progress", {"json": {"status": "in_progress"}}


async def _passport(w: World, t: str) -> Request:
    project = await w.post("/v1/improvement-projects", _improvement(REGION[t]))
    return "POST", f"/v1/improvement-projects/{project['id']}/passport", {"json": {"action": "submit"}}


async def _revoke_observer(w: World, t: str) -> Request:
    observer = await w.post(f"/v1/strategic-sessions/{_sid(w, t)}/observers", {"name": "Наблюдатель"})
    return "DELETE", f"/v1/strategic-sessions/{_sid(w, t)}/observers/{observer['id']}", {}


async def _end_session(w: World, t: str) -> Request:
    session = await w.post("/v1/strategic-sessions", {"region_code": REGION[t], "theme": "ПМСП"})
    return "POST", f"/v1/strategic-sessions/{session['id']}/end", {}


async def _project_status(w: World, t: str) -> Request:
    sid = _sid(w, t)
    project = await w.post(
        f"/v1/strategic-sessions/{sid}/projects", {"code": w.unique("P"), "title": "П", "section_code": "S1"}
    )
    return "POST", f"/v1/strategic-sessions/{sid}/projects/{project['id']}/status", {"json": {"status": "selected"}}


async def _remove_member(w: World, t: str) -> Request:
    centre = w.ids[f"centre-{t}"]
    member = await w.post(f"/v1/regional-centres/{centre}/members", _member(ORG[t]))
    return "DELETE", f"/v1/regional-centres/{centre}/members/{member['id']}", {}


async def _fresh_escalation(w: World, t: str, step: str) -> Request:
    escalation = await w.post("/v1/escalations", _escalation(ORG[t]))
    return "POST", f"/v1/escalations/{escalation['id']}/{step}", {"json": {"text": "дальше"}}


def _detractor(org_unit: str) -> dict[str, Any]:
    return {
        "response_id": str(uuid.uuid4()),
        "campaign_code": "sec-nps",
        "org_unit_code": org_unit,
        "nps": 2,
        "comment": "Долго ждали",
        "submitted_at": "2026-07-06T09:00:00+03:00",
    }


ROADMAP: dict[str, Builder] = {
    "receive_detractor_webhook": lambda w, t: _r(
        "POST",
        "/v1/followups/detractors",
        json={
            "event": "response.detractor",
            "delivery_id": str(uuid.uuid4()),
            "occurred_at": "2026-07-06T06:00:00+00:00",
            "data": _detractor(ORG[t]),
        },
    ),
    "open_detractor_followup": lambda w, t: _r("POST", "/v1/followups", json=_detractor(ORG[t])),
    "list_followups": lambda w, t: _r("GET", "/v1/followups", params={"region": REGION[t]}),
    "get_followup": lambda w, t: _r("GET", f"/v1/followups/{w.ids['followup-' + t]}"),
    "get_followup_summary": lambda w, t: _r(
        "GET", "/v1/followups/summary", params={"region": REGION[t], "period": "2026Q3"}
    ),
    "complete_followup": lambda w, t: _r("POST", f"/v1/followups/{w.ids['followup-' + t]}/complete", json={}),
    "list_due_tasks": lambda w, t: _r("GET", "/v1/due-tasks", params={"region": REGION[t]}),
    "list_regions_execution": lambda w, t: _r("GET", "/v1/execution/regions", params={"regions": REGION[t]}),
    "list_improvement_projects": lambda w, t: _r("GET", "/v1/improvement-projects", params={"region": REGION[t]}),
    "create_improvement_project": lambda w, t: _r("POST", "/v1/improvement-projects", json=_improvement(REGION[t])),
    "get_improvement_project": lambda w, t: _r("GET", f"/v1/improvement-projects/{w.ids['improvement-' + t]}"),
    "update_improvement_project": lambda w, t: _r(
        "PATCH", f"/v1/improvement-projects/{w.ids['improvement-' + t]}", json={"goal": "меньше очередей"}
    ),
    "replace_improvement_metrics": lambda w, t: _r(
        "PUT", f"/v1/improvement-projects/{w.ids['improvement-' + t]}/metrics", json={"items": []}
    ),
    "replace_improvement_stages": lambda w, t: _r(
        "PUT", f"/v1/improvement-projects/{w.ids['improvement-' + t]}/stages", json={"items": []}
    ),
    "list_programmes": lambda w, t: _r("GET", "/v1/programmes", params={"region": REGION[t]}),
    "create_programme": lambda w, t: _r("POST", "/v1/programmes", json=_programme(w, REGION[t])),
    "get_programme": lambda w, t: _r("GET", f"/v1/programmes/{w.ids['programme-' + t]}"),
    "get_programme_financing": lambda w, t: _r("GET", f"/v1/programmes/{w.ids['programme-' + t]}/financing"),
    "replace_programme_financing": lambda w, t: _r(
        "PUT", f"/v1/programmes/{w.ids['programme-' + t]}/financing", json={"lines": []}
    ),
    "get_programme_plan": lambda w, t: _r("GET", f"/v1/programmes/{w.ids['programme-' + t]}/plan"),
    "replace_programme_plan": lambda w, t: _r(
        "PUT", f"/v1/programmes/{w.ids['programme-' + t]}/plan", json={"items": []}
    ),
    "get_region_execution": lambda w, t: _r("GET", f"/v1/regions/{REGION[t]}/execution"),
    "list_roadmaps": lambda w, t: _r("GET", "/v1/roadmaps", params={"region": REGION[t]}),
    "create_roadmap": lambda w, t: _r(
        "POST", "/v1/roadmaps", json={"region_code": REGION[t], "life_situation": "ССЗ", "title": "ДК"}
    ),
    "get_roadmap": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}"),
    "update_roadmap": lambda w, t: _r("PATCH", f"/v1/roadmaps/{w.ids['roadmap-' + t]}", json={"title": "ДК ССЗ"}),
    "list_roadmap_deviations": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/deviations"),
    "get_roadmap_execution": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/execution"),
    "get_roadmap_journal": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/journal"),
    "replace_roadmap_kpis": lambda w, t: _r("PUT", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/kpis", json={"kpis": []}),
    "create_measure": lambda w, t: _r(
        "POST", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/measures", json={"problem": "очереди", "solution": "запись"}
    ),
    "change_roadmap_status": _status,
    "create_roadmap_revision": _revision,
    "list_roadmap_versions": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/versions"),
    "get_roadmap_version": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/versions/1"),
    "list_tasks": lambda w, t: _r("GET", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/tasks"),
    "create_task": lambda w, t: _r("POST", f"/v1/roadmaps/{w.ids['roadmap-' + t]}/tasks", json=_task()),
    "list_strategic_sessions": lambda w, t: _r("GET", "/v1/strategic-sessions", params={"region": REGION[t]}),
    "create_strategic_session": lambda w, t: _r(
        "POST", "/v1/strategic-sessions", json={"region_code": REGION[t], "theme": "ПМСП"}
    ),
    "get_strategic_session": lambda w, t: _r("GET", f"/v1/strategic-sessions/{_sid(w, t)}"),
    "list_participant_assessments": lambda w, t: _r("GET", f"/v1/strategic-sessions/{_sid(w, t)}/assessments"),
    "create_participant_evaluation": lambda w, t: _r(
        "POST",
        f"/v1/strategic-sessions/{_sid(w, t)}/evaluations",
        json={"participant_id": w.ids["participant-" + t], "evaluator": "Петров", "role": "moderator", "score": 4},
    ),
    "create_working_group": lambda w, t: _r(
        "POST", f"/v1/strategic-sessions/{_sid(w, t)}/groups", json={"name": w.unique("Г"), "moderator": "Петров"}
    ),
    "create_session_participant": lambda w, t: _r(
        "POST", f"/v1/strategic-sessions/{_sid(w, t)}/participants", json={"name": "Сидоров", "category": "student"}
    ),
    "create_session_project": lambda w, t: _r(
        "POST",
        f"/v1/strategic-sessions/{_sid(w, t)}/projects",
        json={"code": w.unique("P"), "title": "П", "section_code": "S1"},
    ),
    "select_session_project": _selection,
    "create_session_section": lambda w, t: _r(
        "POST", f"/v1/strategic-sessions/{_sid(w, t)}/sections", json=_section(w.unique("S"))
    ),
    "cast_ballot": _ballot,
    "get_section_results": lambda w, t: _r("GET", f"/v1/strategic-sessions/{_sid(w, t)}/sections/S1/results"),
    "get_task": lambda w, t: _r("GET", f"/v1/tasks/{w.ids['task-' + t]}"),
    "update_task": lambda w, t: _r("PATCH", f"/v1/tasks/{w.ids['task-' + t]}", json={"expected_result": "сделано"}),
    "list_task_comments": lambda w, t: _r("GET", f"/v1/tasks/{w.ids['task-' + t]}/comments"),
    "create_task_comment": lambda w, t: _r("POST", f"/v1/tasks/{w.ids['task-' + t]}/comments", json={"text": "ок"}),
    "get_task_journal": lambda w, t: _r("GET", f"/v1/tasks/{w.ids['task-' + t]}/journal"),
    "put_task_report": _report,
    "list_task_reports": lambda w, t: _r("GET", f"/v1/tasks/{w.ids['task-' + t]}/reports"),
    # -- the programme workflows ---------------------------------------------------------------
    "list_programme_financing_lines": lambda w, t: _r(
        "GET", f"/v1/programmes/{w.ids['programme-' + t]}/financing/lines"
    ),
    "replace_programme_volumes": lambda w, t: _r(
        "PUT", f"/v1/programmes/{w.ids['programme-' + t]}/volumes", json={"items": []}
    ),
    "list_programme_volumes": lambda w, t: _r("GET", f"/v1/programmes/{w.ids['programme-' + t]}/volumes"),
    "report_programme_activity_progress": _activity_progress,
    "list_programme_progress": lambda w, t: _r("GET", f"/v1/programmes/{w.ids['programme-' + t]}/progress"),
    "get_programme_execution": lambda w, t: _r(
        "GET", f"/v1/programmes/{w.ids['programme-' + t]}/execution", params={"as_of": "2025-12-31"}
    ),
    "create_improvement_comment": lambda w, t: _r(
        "POST", f"/v1/improvement-projects/{w.ids['improvement-' + t]}/comments", json={"text": "ок"}
    ),
    "list_improvement_comments": lambda w, t: _r(
        "GET", f"/v1/improvement-projects/{w.ids['improvement-' + t]}/comments"
    ),
    "step_improvement_passport": _passport,
    "list_new_model_criteria": lambda w, t: _r("GET", "/v1/new-model-criteria"),
    "get_strategic_session_kpis": lambda w, t: _r("GET", "/v1/strategic-sessions/kpis", params={"region": REGION[t]}),
    "issue_voting_token": lambda w, t: _r(
        "POST", f"/v1/strategic-sessions/{_sid(w, t)}/participants/{w.ids['participant-' + t]}/voting-token"
    ),
    "add_session_observer": lambda w, t: _r(
        "POST", f"/v1/strategic-sessions/{_sid(w, t)}/observers", json={"name": "Наблюдатель"}
    ),
    "list_session_observers": lambda w, t: _r("GET", f"/v1/strategic-sessions/{_sid(w, t)}/observers"),
    "revoke_session_observer": _revoke_observer,
    "end_strategic_session": _end_session,
    "set_composition_rules": lambda w, t: _r(
        "PUT", f"/v1/strategic-sessions/{_sid(w, t)}/composition-rules", json={"categories": []}
    ),
    "get_session_composition": lambda w, t: _r("GET", f"/v1/strategic-sessions/{_sid(w, t)}/composition"),
    "change_session_project_status": _project_status,
    "list_best_practices": lambda w, t: _r("GET", "/v1/best-practices"),
    "create_best_practice": lambda w, t: _r(
        "POST", "/v1/best-practices", json={"code": w.unique("bp").lower(), "name_ru": "Практика"}
    ),
    "get_best_practice": lambda w, t: _r("GET", "/v1/best-practices/nsi-bp-1"),
    "update_best_practice": lambda w, t: _r(
        "PATCH", f"/v1/best-practices/{w.ids['practice-' + t]}", json={"result_ru": "результат"}
    ),
    "list_federal_proposals": lambda w, t: _r("GET", "/v1/federal-proposals", params={"region": REGION[t]}),
    "list_life_situations": lambda w, t: _r("GET", "/v1/life-situations"),
    "create_life_situation": lambda w, t: _r(
        "POST",
        "/v1/life-situations",
        json={
            "code": w.unique("ls").lower(),
            "name_ru": "ЖС",
            "start_event_ru": "н",
            "end_event_ru": "к",
            "beneficiaries_ru": "все",
        },
    ),
    "get_life_situation": lambda w, t: _r("GET", "/v1/life-situations/nsi-health-1"),
    "update_life_situation": lambda w, t: _r(
        "PATCH", f"/v1/life-situations/{w.ids['situation-' + t]}", json={"name_ru": "ЖС 2"}
    ),
    "add_life_situation_institution": lambda w, t: _r(
        "POST", "/v1/life-situations/nsi-health-2/institutions", json={"org_unit_code": ORG[t]}
    ),
    "list_life_situation_institutions": lambda w, t: _r(
        "GET", "/v1/life-situations/nsi-health-1/institutions", params={"region": REGION[t]}
    ),
    "create_self_assessment": lambda w, t: _r(
        "POST", "/v1/life-situations/nsi-health-1/self-assessments", json=_assessment(ORG[t], w.unique("IND"))
    ),
    "list_self_assessments": lambda w, t: _r(
        "GET", "/v1/life-situations/nsi-health-1/self-assessments", params={"region": REGION[t]}
    ),
    "get_self_assessment_baseline": lambda w, t: _r(
        "GET", "/v1/life-situations/nsi-health-1/baseline", params={"region": REGION[t], "indicator_code": "WAIT"}
    ),
    "get_self_assessment": lambda w, t: _r("GET", f"/v1/self-assessments/{w.ids['assessment-' + t]}"),
    "replace_self_assessment_measurements": lambda w, t: _r(
        "PUT", f"/v1/self-assessments/{w.ids['assessment-' + t]}/measurements", json={"measurements": [4, 6]}
    ),
    "set_kpi_baseline_from_self_assessment": lambda w, t: _r(
        "POST",
        f"/v1/roadmaps/{w.ids['kpi-roadmap-' + t]}/kpis/WAIT/baseline-from-self-assessment",
        json={"life_situation_code": "nsi-health-1", "accept_small_sample": True},
    ),
    "create_regional_centre": lambda w, t: _r(
        "POST", "/v1/regional-centres", json={"region_code": REGION[t], "name_ru": "РЦ"}
    ),
    "list_regional_centres": lambda w, t: _r("GET", "/v1/regional-centres"),
    "get_regional_centre": lambda w, t: _r("GET", f"/v1/regional-centres/{w.ids['centre-' + t]}"),
    "update_regional_centre": lambda w, t: _r(
        "PATCH", f"/v1/regional-centres/{w.ids['centre-' + t]}", json={"act": "Приказ № 1"}
    ),
    "add_regional_centre_member": lambda w, t: _r(
        "POST", f"/v1/regional-centres/{w.ids['centre-' + t]}/members", json=_member(ORG[t])
    ),
    "update_regional_centre_member": lambda w, t: _r(
        "PATCH",
        f"/v1/regional-centres/{w.ids['centre-' + t]}/members/{w.ids['member-' + t]}",
        json={"position": "Ведущий специалист"},
    ),
    "remove_regional_centre_member": _remove_member,
    "get_regional_centre_compliance": lambda w, t: _r("GET", f"/v1/regional-centres/{w.ids['centre-' + t]}/compliance"),
    "list_regional_centre_notices": lambda w, t: _r("GET", f"/v1/regional-centres/{w.ids['centre-' + t]}/notices"),
    "deliver_regional_centre_notices": lambda w, t: _r(
        "POST", f"/v1/regional-centres/{w.ids['centre-' + t]}/notices/deliver"
    ),
    "create_escalation": lambda w, t: _r("POST", "/v1/escalations", json=_escalation(ORG[t])),
    "list_escalations": lambda w, t: _r("GET", "/v1/escalations"),
    "get_escalation": lambda w, t: _r("GET", f"/v1/escalations/{w.ids['escalation-' + t]}"),
    "comment_escalation": lambda w, t: _r(
        "POST", f"/v1/escalations/{w.ids['escalation-' + t]}/messages", json={"text": "комментарий"}
    ),
    "raise_escalation": lambda w, t: _fresh_escalation(w, t, "raise"),
    "answer_escalation": lambda w, t: _r(
        "POST", f"/v1/escalations/{w.ids['escalation-' + t]}/answer", json={"text": "ответ"}
    ),
    "resolve_escalation": lambda w, t: _fresh_escalation(w, t, "resolve"),
    "list_audit_entries": lambda w, t: _r("GET", "/v1/audit-entries"),
}

BUILDERS = {"kpi-api": KPI, "survey-api": SURVEY, "roadmap-api": ROADMAP}
# /v1/webhooks: the same rows in each service that serves it (tests/security/webhook_matrix.py).
WEBHOOK_EVENTS = {
    "kpi-api": ("value.submitted",),
    "survey-api": ("response.detractor",),
    "roadmap-api": ("roadmap.approved",),
}
for _service, _events in WEBHOOK_EVENTS.items():
    EXPECTED[_service].update(webhook_matrix.EXPECTED)
    BUILDERS[_service].update(webhook_matrix.builders(SERVICES[_service].package, _events))
SEEDS = {"kpi-api": kpi_seed, "survey-api": survey_seed, "roadmap-api": roadmap_seed}
OPERATIONS = [(service, op) for service in SERVICES for op, _, _ in operations(SERVICES[service].openapi())]


# --- running it -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    databases = {name: ThrowawayDatabase(f"sec-authz-{name}", spec.migrations_dir) for name, spec in SERVICES.items()}
    try:
        yield {name: database.create() for name, database in databases.items()}
    finally:
        for database in databases.values():
            database.drop()


@pytest.fixture(scope="module")
async def worlds(database_urls: dict[str, str]) -> AsyncIterator[dict[str, World]]:
    managers = []
    found: dict[str, World] = {}
    with kpi_mock():
        try:
            for name, spec in SERVICES.items():
                app = spec.create_app(spec.settings(database_urls[name]))
                manager = LifespanManager(app)
                await manager.__aenter__()
                managers.append(manager)
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
                found[name] = World(client, app=app)
                await SEEDS[name](found[name])
            yield found
        finally:
            for world in found.values():
                await world.client.aclose()
            for manager in reversed(managers):
                await manager.__aexit__(None, None, None)


async def observe(world: World, service: str, operation_id: str) -> dict[tuple[str, str], int]:
    builder = BUILDERS[service][operation_id]
    observed: dict[tuple[str, str], int] = {}
    for caller, target in itertools.product(CALLERS, TARGETS):
        method, path, kwargs = await builder(world, target)
        headers = caller_headers(caller, world.kiosk_token or "no-kiosk-in-this-service")
        response = await world.client.request(method, path, headers=headers, **kwargs)
        observed[(caller, target)] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), (caller, target)
    return observed


def render(observed: dict[tuple[str, str], int]) -> str:
    roles = " | ".join(f"{observed[(c, 'own')]} {observed[(c, 'other')]}" for c in TOKEN_ROLES)
    rest = " ".join(f"{c}={observed[(c, 'own')]},{observed[(c, 'other')]}" for c in CALLERS[4:])
    return f'"{roles}"   # {rest}'


def test_every_operation_is_classified() -> None:
    """A new endpoint fails here until it has a row in EXPECTED and a request builder."""
    missing = [f"{s} {op}" for s, op in OPERATIONS if op not in EXPECTED[s] or op not in BUILDERS[s]]
    stale = [f"{s} {op}" for s in SERVICES for op in EXPECTED[s] if (s, op) not in OPERATIONS]
    assert not missing, f"operations without a row in the authorisation matrix: {missing}"
    assert not stale, f"rows for operations that no longer exist: {stale}"


@pytest.mark.parametrize(("service", "operation_id"), OPERATIONS, ids=[f"{s}:{op}" for s, op in OPERATIONS])
async def test_authorisation_matrix(worlds: dict[str, World], service: str, operation_id: str) -> None:
    if operation_id not in BUILDERS[service] or operation_id not in EXPECTED[service]:
        pytest.fail(f"{service} {operation_id} is not in the authorisation matrix")
    observed = await observe(worlds[service], service, operation_id)
    expected = expected_cells(service, operation_id)
    wrong = {cell: (expected[cell], got) for cell, got in observed.items() if got != expected[cell]}
    assert not wrong, f"{service} {operation_id}: (expected, observed) {wrong}\nobserved row: {render(observed)}"


# Operations answering 200 to a regional caller who asks about the other region: their body must not
# carry the other region's data (the org-unit registry excepted: it is reference data, see EXPECTED).
FILTERED_READS = [
    ("kpi-api", "list_values"),
    ("kpi-api", "list_targets"),
    # (list_target_changes is filtered as well, but its entries name no org unit: a text check cannot tell.)
    ("survey-api", "list_campaigns"),
    ("survey-api", "list_comments"),
    ("survey-api", "list_kiosks"),
    ("roadmap-api", "list_roadmaps"),
    ("roadmap-api", "list_due_tasks"),
    ("roadmap-api", "list_improvement_projects"),
    ("roadmap-api", "list_followups"),
    ("roadmap-api", "list_programmes"),
    ("roadmap-api", "list_strategic_sessions"),
    ("roadmap-api", "list_regional_centres"),
    ("roadmap-api", "list_escalations"),
    ("roadmap-api", "list_audit_entries"),
]


@pytest.mark.parametrize(("service", "operation_id"), FILTERED_READS, ids=[f"{s}:{o}" for s, o in FILTERED_READS])
async def test_lists_never_show_the_other_region(worlds: dict[str, World], service: str, operation_id: str) -> None:
    world = worlds[service]
    method, path, kwargs = await BUILDERS[service][operation_id](world, "other")
    for caller in ("regional_admin", "mo_operator", "analyst"):
        response = await world.client.request(method, path, headers=caller_headers(caller), **kwargs)
        assert response.status_code == 200, response.text
        assert "KYA" not in response.text and CAMPAIGN["other"] not in response.text, (caller, response.text[:500])
    # …while federal sees it (so the filter, not an empty database, is what hides it).
    response = await world.client.request(method, path, headers=FEDERAL, **kwargs)
    body = response.json()
    items = body.get("items", body) if isinstance(body, dict) else body
    assert "KYA" in response.text or CAMPAIGN["other"] in response.text or items == [], response.text[:300]


async def test_values_outside_the_scope_are_rejected_per_item(worlds: dict[str, World]) -> None:
    world = worlds["kpi-api"]
    for caller in ("regional_admin", "mo_operator"):
        method, path, kwargs = await KPI["submit_values"](world, "other")
        response = await world.client.request(method, path, headers=caller_headers(caller), **kwargs)
        result = response.json()["results"][0]
        assert result["status"] == "rejected" and result["problem"]["status"] == 403, result

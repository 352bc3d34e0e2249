"""Demo incidents for `make run`: invented cases in every workflow state, some of them published.

Each is keyed on its demo police report number, so running the loader again adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from portal.roles import Role

from .models import Incident, IncidentState
from .services import file_incident, set_public_summary
from .workflow import apply_transition, assign_investigator, publish_incident

TZ = ZoneInfo("America/New_York")

DEMO_CASES = [
    {
        "marker": "DEMO-26-0101",
        "target": IncidentState.CLOSED,
        "outcome": "sustained",
        "publish": "block",
        "when": datetime(2026, 1, 14, 7, 20, tzinfo=TZ),
        "data": {
            "address": "1418 Market Street", "neighbourhood": "old_market",
            "latitude": Decimal("41.499430"), "longitude": Decimal("-81.692210"),
            "agencies": ["ice_ero"], "agent_count": 6, "agents_masked": True, "agents_unidentified": True,
            "warrant_shown": "administrative", "categories": ["arrest_or_detention", "use_of_force"],
            "vehicle_plates": "Two grey SUVs, plates not visible",
            "injuries": "Abrasions to the detained man's face and wrists.",
            "narrative": "Six masked agents in plain clothes stopped a man walking to work outside a bakery, "
                         "pushed him against a wall and placed him in an unmarked SUV. They showed a paper they "
                         "called a warrant to a bystander but would not let her read it.",
            "source": "resident_report",
            "public_summary": "Six masked federal agents detained a man outside a bakery on Market Street early "
                              "on a weekday morning. He was injured during the arrest. The city's investigation "
                              "found that force beyond what the situation required was used.",
        },
        "people": [{"role": "subject", "name": "J. D. (demo)", "contact": "via counsel", "preferred_language": "Spanish"},
                   {"role": "witness", "name": "M. A. (demo)", "contact": "555-0100", "preferred_language": "English"}],
    },
    {
        "marker": "DEMO-26-0102",
        "target": IncidentState.CLOSED,
        "outcome": "referred_ag",
        "publish": "neighbourhood",
        "when": datetime(2026, 3, 3, 9, 5, tzinfo=TZ),
        "data": {
            "address": "County Courthouse, 1 Lakeside Avenue", "neighbourhood": "harbor_point",
            "latitude": Decimal("41.515800"), "longitude": Decimal("-81.698900"), "on_city_property": True,
            "sensitive_location": "courthouse", "agencies": ["ice_ero", "fps"], "agent_count": 3,
            "warrant_shown": "none", "categories": ["courthouse_detention"],
            "narrative": "Three agents waited outside courtroom 4B and detained a woman after her traffic hearing. "
                         "Court officers were not told in advance.",
            "source": "officer_on_scene",
            "public_summary": "Federal agents detained a woman leaving a traffic hearing at the county courthouse. "
                              "No warrant was shown. The case was referred to the Attorney General.",
        },
        "people": [{"role": "subject", "name": "L. P. (demo)", "preferred_language": "Haitian Creole"}],
    },
    {
        "marker": "DEMO-26-0103",
        "target": IncidentState.INVESTIGATION,
        "publish": "block",
        "when": datetime(2026, 5, 21, 18, 40, tzinfo=TZ),
        "data": {
            "address": "Corner of Cedar Road and East 105th Street", "neighbourhood": "cedar_park",
            "latitude": Decimal("41.487200"), "longitude": Decimal("-81.615300"),
            "agencies": ["border_patrol"], "agent_count": 4, "agents_masked": True,
            "warrant_shown": "unknown", "categories": ["vehicle_stop", "property_damage", "alleged_profiling"],
            "property_damage": "Driver's side window of a parked car broken.",
            "narrative": "Agents boxed in a car at a red light, broke the driver's window and removed the driver. "
                         "Witnesses say the agents asked onlookers where they were born.",
            "source": "911_call",
            "public_summary": "Border Patrol agents stopped a car at Cedar Road and East 105th Street and broke its "
                              "window while removing the driver. The city is investigating.",
        },
    },
    {
        "marker": "DEMO-26-0104",
        "target": IncidentState.FINDINGS_PROPOSED,
        "outcome": "not_sustained",
        "when": datetime(2026, 7, 9, 6, 10, tzinfo=TZ),
        "data": {
            "address": "2200 Riverside Drive", "neighbourhood": "riverside",
            "agencies": ["ice_hsi"], "agent_count": 5, "warrant_shown": "judicial",
            "categories": ["attempted_warrantless_entry"],
            "narrative": "Agents knocked at an apartment door before dawn; the tenant asked for a judicial warrant, "
                         "which they later produced.",
            "source": "resident_report",
        },
    },
    {
        "marker": "DEMO-26-0105",
        "target": IncidentState.TRIAGE,
        "when": datetime(2026, 8, 30, 14, 0, tzinfo=TZ),
        "data": {
            "address": "Union Square plaza", "neighbourhood": "union_square", "on_city_property": True,
            "agencies": ["national_guard", "unknown_federal"], "agent_count": 20,
            "warrant_shown": "none", "categories": ["interference_with_police"],
            "narrative": "Uniformed personnel directed city officers away from a public demonstration.",
            "source": "officer_on_scene",
        },
    },
    {
        "marker": "DEMO-26-0106",
        "target": IncidentState.SUBMITTED,
        "when": datetime(2026, 10, 2, 11, 30, tzinfo=TZ),
        "data": {
            "address": "St. Clair Elementary School, 6000 St. Clair Avenue", "neighbourhood": "st_clair",
            "sensitive_location": "school", "agencies": ["unknown_federal"], "agent_count": 2,
            "agents_unidentified": True, "warrant_shown": "unknown", "categories": ["other"],
            "narrative": "Two men in tactical vests who would not identify themselves photographed parents at pickup.",
            "source": "311",
        },
    },
    {
        "marker": "DEMO-26-0107",
        "target": IncidentState.DRAFT,
        "when": datetime(2026, 11, 12, 16, 45, tzinfo=TZ),
        "data": {
            "address": "Mill Creek Community Clinic", "neighbourhood": "mill_creek",
            "sensitive_location": "hospital", "agencies": ["ice_ero"], "categories": ["arrest_or_detention"],
            "narrative": "Draft: waiting for the officer's statement.",
        },
    },
    {
        "marker": "DEMO-26-0108",
        "target": IncidentState.CLOSED,
        "outcome": "unfounded",
        "when": datetime(2026, 4, 18, 22, 15, tzinfo=TZ),
        "data": {
            "address": "Northgate transit centre", "neighbourhood": "northgate",
            "agencies": ["dea"], "agent_count": 2, "warrant_shown": "judicial", "categories": ["arrest_or_detention"],
            "narrative": "Caller reported an immigration arrest; it was a DEA arrest on a federal drug warrant.",
            "source": "911_call",
        },
    },
]

_ORDER = [IncidentState.DRAFT, IncidentState.SUBMITTED, IncidentState.TRIAGE, IncidentState.INVESTIGATION,
          IncidentState.FINDINGS_PROPOSED, IncidentState.CLOSED]


def load(users, stdout=None) -> None:
    reporter, supervisor = users[Role.REPORTER], users[Role.SUPERVISOR]
    investigator, release_officer = users[Role.INVESTIGATOR], users[Role.RELEASE_OFFICER]
    made = 0
    for case in DEMO_CASES:
        if Incident.objects.filter(police_report_number=case["marker"]).exists():
            continue
        data = {**case["data"], "police_report_number": case["marker"], "occurred_start": case["when"],
                "occurred_end": case["when"] + timedelta(minutes=35)}
        summary = data.pop("public_summary", "")
        incident = file_incident(reporter=reporter, data=data, people=case.get("people", ()))
        step = _ORDER.index(case["target"])
        if step >= 1:
            incident = apply_transition(incident, "submit", actor=reporter)
        if step >= 2:
            incident = apply_transition(incident, "start_triage", actor=supervisor)
        if step >= 3:
            incident = assign_investigator(incident, actor=supervisor, investigator=investigator)
            incident = apply_transition(incident, "open_investigation", actor=supervisor)
        if step >= 4:
            incident = apply_transition(incident, "propose_findings", actor=investigator, outcome=case["outcome"],
                                        reason="Statements, footage and the agency's reply support this outcome.")
        if step >= 5:
            incident = apply_transition(incident, "approve_findings", actor=supervisor, reason="Reviewed and agreed.")
        if summary:
            incident = set_public_summary(incident, actor=release_officer, text=summary)
        if case.get("publish"):
            publish_incident(incident, actor=release_officer, precision=case["publish"])
        made += 1
    if stdout is not None:
        stdout.write(f"Incidents: {made} demo cases added ({len(DEMO_CASES) - made} already there).")

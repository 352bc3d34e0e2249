"""Demo footage for `make run`: short clips of drawn passers-by (faces for the redaction to hide)
or ffmpeg's test pattern, attached to a few demo incidents through the real ingest service; the
worker `make run` starts processes them.
Idempotent: an incident that already has its demo clips is left alone."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from incidents.models import Incident
from portal.roles import Role

from .access import can_upload_to
from .ingest import ingest_file
from media import make_test_clip, passers_by
from .models import FootageItem, FootageKind

# (incident marker from incidents.demo, clips: filename, kind, seconds, size, device, device id, people in it)
DEMO_FOOTAGE = [
    ("DEMO-26-0101", [("demo-bodycam-0101.mp4", FootageKind.BODY_WORN, 6, (1280, 720), "Axon Body 4", "BWC-1187", True),
                      ("demo-storefront-0101.mp4", FootageKind.SURVEILLANCE, 4, (640, 360), "Hikvision DS-2CD", "CAM-MKT-14", False)]),
    ("DEMO-26-0102", [("demo-courthouse-0102.mp4", FootageKind.SURVEILLANCE, 5, (960, 540), "Axis P3245", "CAM-CTH-4B", True)]),
    ("DEMO-26-0103", [("demo-phone-0103.mov", FootageKind.RESIDENT_PHONE, 4, (720, 1280), "Apple iPhone 15", "", True)]),
]


def load(users, stdout=None) -> None:
    made = 0
    with tempfile.TemporaryDirectory(prefix="demo-footage-") as folder:
        for marker, clips in DEMO_FOOTAGE:
            incident = Incident.objects.filter(police_report_number=marker).first()
            if incident is None:
                continue
            uploader = next((u for u in (users[Role.REPORTER], users[Role.INVESTIGATOR], users[Role.SUPERVISOR])
                             if can_upload_to(u, incident)), None)
            if uploader is None:
                continue
            for filename, kind, seconds, size, device, device_id, with_people in clips:
                if FootageItem.objects.filter(incident=incident, original_filename=filename).exists():
                    continue
                make, _, model = device.partition(" ")
                tags = {"make": make, "model": model}
                if incident.occurred_start:
                    tags["creation_time"] = (incident.occurred_start + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
                if incident.latitude is not None and incident.longitude is not None:
                    tags["location"] = f"{float(incident.latitude):+08.4f}{float(incident.longitude):+09.4f}/"
                clip = make_test_clip(Path(folder) / filename, seconds=seconds, size=size, metadata=tags,
                                      people=passers_by(size) if with_people else ())
                ingest_file(clip, incident=incident, uploaded_by=uploader, kind=kind, original_filename=filename, device_id=device_id)
                made += 1
    if stdout is not None:
        stdout.write(f"Footage: {made} demo clips ingested; the worker makes their proxies.")

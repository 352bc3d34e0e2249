"""Open-data downloads, streamed so a large set never sits whole in memory."""

from __future__ import annotations

import csv
import json

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from .caching import public_cache
from .records import CSV_COLUMNS, csv_row, geojson_feature, public_record
from .selectors import as_public, public_incidents

CHUNK = 500


def _records(request: HttpRequest):
    base_url = request.build_absolute_uri("/").rstrip("/")
    for incident in public_incidents().order_by("reference").iterator(chunk_size=CHUNK):
        yield public_record(as_public(incident), base_url=base_url)


class _Echo:
    def write(self, value):
        return value


def _formula_safe(row: list) -> list:
    # A cell starting with = + - @ is run as a formula by spreadsheets; prefix it so a summary
    # cannot carry a spreadsheet attack to whoever opens the file.
    return [f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in row]


@require_GET
@public_cache
def incidents_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for record in _records(request):
            yield writer.writerow(_formula_safe(csv_row(record)))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    return response


def _json_array(items, prefix: str, suffix: str):
    yield prefix
    for index, item in enumerate(items):
        yield ("," if index else "") + json.dumps(item, ensure_ascii=False)
    yield suffix


@require_GET
@public_cache
def incidents_json(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_json_array(_records(request), '{"incidents":[', "]}"), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="incidents.json"'
    return response


@require_GET
@public_cache
def incidents_geojson(request: HttpRequest) -> StreamingHttpResponse:
    features = (geojson_feature(r) for r in _records(request))
    response = StreamingHttpResponse(
        _json_array(features, '{"type":"FeatureCollection","features":[', "]}"), content_type="application/geo+json"
    )
    response["Content-Disposition"] = 'attachment; filename="incidents.geojson"'
    return response

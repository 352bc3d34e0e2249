"""Pages of the public site. Every incident, file and number here comes from `public.selectors`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_GET, require_http_methods

from incidents.vocabulary import CITY_BOUNDS

from . import dictionary
from . import statistics as stats
from .caching import public_cache
from .forms import SORT_CHOICES, IncidentSearchForm
from .selectors import as_public, filter_public_incidents, get_public_incident, public_incidents

PAGE_SIZE = 25
LATEST_ON_HOME = 5


@require_GET
@public_cache
def home(request: HttpRequest) -> HttpResponse:
    latest = [as_public(i) for i in public_incidents()[:LATEST_ON_HOME]]
    return render(request, "public/home.html", {"latest": latest, "numbers": stats.key_numbers()})


@require_GET
@public_cache
def rights(request: HttpRequest) -> HttpResponse:
    return render(request, "public/rights.html")


@require_GET
@public_cache
def incident_list(request: HttpRequest) -> HttpResponse:
    form = IncidentSearchForm(request.GET or None)
    queryset = public_incidents()
    if form.is_bound and form.is_valid():
        queryset = filter_public_incidents(queryset, **form.filters())
    elif form.is_bound:
        queryset = queryset.none()
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    incidents = [as_public(i) for i in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    sort = form.cleaned_data.get("sort", "") if form.is_bound and form.is_valid() else ""
    return render(
        request,
        "public/incident_list.html",
        {
            "form": form,
            "page": page,
            "incidents": incidents,
            "query": query.urlencode(),
            "sort_label": dict(SORT_CHOICES).get(sort, SORT_CHOICES[0][1]),
            "searched_for": form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else "",
            "map_points": map_points(incidents),
            "map_bounds": json.dumps([[float(CITY_BOUNDS[0]), float(CITY_BOUNDS[1])], [float(CITY_BOUNDS[2]), float(CITY_BOUNDS[3])]]),
            "tile_url": settings.PUBLIC_MAP_TILE_URL,
        },
    )


def map_points(incidents) -> list[dict]:
    return [
        {"ref": i.reference, "url": i.url, "lat": float(i.latitude), "lon": float(i.longitude), "where": i.neighbourhood_label}
        for i in incidents
        if i.latitude is not None and i.longitude is not None
    ]


@require_GET
@public_cache
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = get_public_incident(reference, with_durations=True)
    if incident is None:
        raise Http404
    return render(request, "public/incident_detail.html", {"incident": incident})


@require_GET
@public_cache
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "public/statistics.html", {"charts": stats.all_charts()})


@require_GET
@public_cache
def statistics_csv(request: HttpRequest, chart_id: str) -> HttpResponse:
    """One chart's table as CSV: the same rows the page shows, in the page's language."""
    chart = stats.chart_by_id(chart_id)
    if chart is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart.csv_name}"'
    writer = csv.writer(response)
    writer.writerow(chart.columns)
    writer.writerows(chart.rows)
    return response


@require_GET
@public_cache
def open_data(request: HttpRequest) -> HttpResponse:
    return render(request, "public/open_data.html")


@require_GET
@public_cache
def data_dictionary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/data_dictionary.html",
        {"incident_fields": dictionary.INCIDENT_FIELDS, "file_fields": dictionary.FILE_FIELDS},
    )


FAVICON = Path(__file__).resolve().parent / "static" / "public" / "favicon.ico"
# Staff pages, sign-in and the staff API are nobody's search result; the public API is (the
# longer, more specific Allow wins over Disallow: /api/).
ROBOTS_RULES = (
    "Allow: /api/public/",
    "Allow: /api/schema/",
    "Disallow: /api/",
    "Disallow: /staff/",
    "Disallow: /admin/",
    "Disallow: /accounts/",
    "Disallow: /language/",
)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=7 * 24 * 3600)
    return response


@login_not_required
@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("public:sitemap"))
    lines = ["User-agent: *", *ROBOTS_RULES, "", f"Sitemap: {sitemap}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: a plain GET form, so public pages carry no CSRF token and stay
    cacheable. Only a cookie is set; the URL the visitor came from stays the same."""
    params = request.POST if request.method == "POST" else request.GET
    next_url = params.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = params.get("language", "")
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response

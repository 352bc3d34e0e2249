"""sitemap.xml: the public pages and every released incident (through the public selector)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .selectors import public_incidents


class StaticPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["public-home", "public:incident-list", "public:statistics", "public:open-data", "public:data-dictionary", "public:rights", "public:verify"]

    def location(self, item):
        return reverse(item)


class IncidentSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return public_incidents().order_by("reference")

    def location(self, item):
        return reverse("public:incident-detail", args=[item.reference])

    def lastmod(self, item):
        return item.published_at


SITEMAPS = {"pages": StaticPagesSitemap, "incidents": IncidentSitemap}

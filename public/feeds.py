"""Atom feed of newly released incidents, at /feeds/releases.atom."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .selectors import as_public, public_incidents

FEED_LENGTH = 50


class ReleasesFeed(Feed):
    feed_type = Atom1Feed
    title = _("Released incidents with federal agents")
    subtitle = _("Incidents the city has published, newest first, with their released video.")

    def link(self):
        return reverse("public:incident-list")

    def items(self):
        return [as_public(i) for i in public_incidents()[:FEED_LENGTH]]

    def item_title(self, item):
        return f"{item.reference}: {item.neighbourhood_label}"

    def item_description(self, item):
        conduct = _("Agents: %(count)s. Masked: %(masked)s. Identified themselves: %(identified)s. Warrant shown: %(warrant)s.") % {
            "count": item.agent_count if item.agent_count is not None else _("not known"),
            "masked": _("yes") if item.agents_masked else _("no"),
            "identified": _("yes") if item.agents_identified else _("no"),
            "warrant": item.warrant_label,
        }
        return f"{item.summary}\n\n{conduct}"

    def item_link(self, item):
        # Also the entry's Atom id: the syndication framework makes it a full URL (no item_guid).
        return item.url

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max([item.published_at, *(f.published_at for f in item.files if f.published_at)])

    def item_categories(self, item):
        return [str(label) for label in item.category_labels]

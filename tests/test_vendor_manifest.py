"""The vendored front-end libraries match static/vendor/manifest.json, and nothing loads from a CDN.

Plain pytest: needs no Django settings (one test uses Django's ManifestStaticFilesStorage in a
subprocess with its own minimal settings, and is skipped when Django is not installed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

CDN_RE = re.compile(
    r"(?:https?:)?//(?:[a-z0-9-]+\.)*"
    r"(?:cdn\.|unpkg\.com|cdnjs\.|cdn\.jsdelivr|fonts\.googleapis|fonts\.gstatic|code\.jquery)",
    re.IGNORECASE,
)
# Directories never scanned for templates / static sources (virtualenvs, build output, VCS).
PRUNE = {".git", ".venv", "venv", "node_modules", "staticfiles", "__pycache__", ".cache", ".pytest_cache", "var"}
SCANNED_SUFFIXES = {".html", ".htm", ".txt", ".xml", ".js", ".mjs", ".css", ".svg", ".json", ".md"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    assert MANIFEST.is_file(), "static/vendor/manifest.json is missing; run scripts/vendor_assets.py"
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _entries(manifest):
    for lib in manifest["libraries"]:
        for f in lib["files"]:
            yield lib, f


def test_manifest_shape(manifest):
    assert manifest["libraries"], "no libraries in the manifest"
    packages = {lib["npm_package"] for lib in manifest["libraries"]}
    assert {"@uswds/uswds", "tus-js-client", "leaflet", "video.js", "axe-core", "htmx.org"} <= packages
    for lib in manifest["libraries"]:
        for key in ("name", "npm_package", "version", "license", "source", "files"):
            assert lib.get(key), f"{lib.get('npm_package')}: missing {key}"
        assert lib["source"] == "npm registry tarball"
        assert re.fullmatch(r"\d+\.\d+\.\d+", lib["version"]), lib["version"]
        for f in lib["files"]:
            assert set(f) >= {"path", "size", "sha256"}
            assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"])


def test_every_listed_file_exists_and_matches(manifest):
    problems = []
    for lib, f in _entries(manifest):
        path = VENDOR / f["path"]
        if not path.is_file():
            problems.append(f"missing: {f['path']}")
            continue
        data = path.read_bytes()
        if len(data) != f["size"]:
            problems.append(f"size differs: {f['path']} ({len(data)} != {f['size']})")
        if hashlib.sha256(data).hexdigest() != f["sha256"]:
            problems.append(f"sha256 differs: {f['path']}")
    assert not problems, "\n".join(problems)


def test_every_vendored_file_is_listed(manifest):
    listed = {f["path"] for _, f in _entries(manifest)}
    on_disk = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and p != MANIFEST
    }
    assert not on_disk - listed, f"not in manifest: {sorted(on_disk - listed)}"
    assert len(listed) == sum(1 for _ in _entries(manifest)), "a path is listed twice"


def test_every_library_ships_its_licence(manifest):
    for lib in manifest["libraries"]:
        paths = {f["path"] for f in lib["files"]}
        licences = lib.get("license_files") or [p for p in paths if re.search(r"/(LICEN[CS]E|COPYING)[^/]*$", p, re.I)]
        assert licences, f"{lib['npm_package']}: no licence file listed"
        for rel in licences:
            assert rel in paths, f"{lib['npm_package']}: licence {rel} not among its files"
            assert (VENDOR / rel).is_file() and (VENDOR / rel).stat().st_size > 0, rel


def test_uswds_css_urls_resolve():
    """Every url() in the vendored stylesheets points at a vendored file (no 404s)."""
    missing = []
    for css in VENDOR.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        for _, url in re.findall(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""", text):
            url = url.strip()
            if not url or url.startswith(("data:", "#")):
                continue
            assert not url.startswith(("http:", "https:", "//")), f"{css}: remote url({url})"
            target = (css.parent / url.split("#")[0].split("?")[0]).resolve()
            if not target.is_file():
                missing.append(f"{css.relative_to(VENDOR)} -> {url}")
    assert not missing, "\n".join(sorted(set(missing)))


def _scanned_files():
    """Template files anywhere in the project and static files outside static/vendor."""
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in PRUNE]
        here = Path(dirpath)
        if here == VENDOR or VENDOR in here.parents:
            dirnames[:] = []
            continue
        rel_parts = here.relative_to(ROOT).parts
        if "templates" not in rel_parts and "static" not in rel_parts:
            continue
        for name in filenames:
            p = here / name
            if p.suffix.lower() in SCANNED_SUFFIXES:
                yield p


def test_no_cdn_references_outside_vendor():
    offenders = []
    for path in _scanned_files():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            if CDN_RE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()[:120]}")
    assert not offenders, "CDN references found:\n" + "\n".join(offenders)


def test_cdn_regex_sanity():
    for bad in (
        "https://cdn.jsdelivr.net/npm/x",
        "http://unpkg.com/leaflet",
        "https://cdnjs.cloudflare.com/x",
        "https://fonts.googleapis.com/css",
        "https://code.jquery.com/jquery.js",
        '<script src="//cdn.example.org/x.js">',
    ):
        assert CDN_RE.search(bad), bad
    for ok in ("{% static 'vendor/htmx/htmx.min.js' %}", "https://city.example.gov/incidents/"):
        assert not CDN_RE.search(ok), ok


def test_manifest_static_storage_can_process_vendor_tree(tmp_path):
    """collectstatic with ManifestStaticFilesStorage post-processes every url()/sourceMappingURL."""
    pytest.importorskip("django")
    script = textwrap.dedent(
        f"""
        import django
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["django.contrib.staticfiles"],
            STATIC_URL="/static/",
            STATIC_ROOT={str(tmp_path / "out")!r},
            STATICFILES_DIRS=[("vendor", {str(VENDOR)!r})],
            STORAGES={{"staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}}},
        )
        django.setup()
        from django.core.management import call_command
        call_command("collectstatic", interactive=False, verbosity=0)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]

"""docker-compose.yml is a valid Compose file, every long-running service is health-checked, and no
secret is written into it; .env.example and the Dockerfile cover what the stack needs.

Plain pytest, no Django and no Docker daemon: the Compose schema check uses the copy of the
compose-spec schema that ships inside check-jsonschema (``--builtin-schema``), so it runs offline.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

SECRET_NAME_RE = re.compile(r"PASSWORD|SECRET|TOKEN|(^|_)KEY($|_)|ACCESS_KEY|PRIVATE", re.IGNORECASE)
PURE_INTERPOLATION_RE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}$")
INTERPOLATION_RE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
URL_CREDENTIALS_RE = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@", re.IGNORECASE)

# The variables the settings read (portal/settings.py), all of which .env.example must list.
APP_VARIABLES = {
    "DJANGO_SETTINGS_MODULE", "DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_REGION_NAME",
    "EMAIL_URL", "DEFAULT_FROM_EMAIL", "ADMINS", "RELEASE_SIGNING_KEY", "PUBLIC_MAP_TILE_URL",
    "MAX_UPLOAD_SIZE", "AUDIT_CHECKPOINT_KEY", "MIGRATE_DATABASE_URL",
    "C2PA_SIGNING_CERT_CHAIN", "C2PA_SIGNING_KEY", "C2PA_ROOT_CERT", "TIMESTAMP_AUTHORITIES", "TIMESTAMP_AUTHORITY_ROOTS",
}
APP_SERVICES = {"web", "worker", "beat", "migrate"}


def _load_yaml(text: str):
    try:
        import yaml

        return yaml.safe_load(text)
    except ImportError:  # check-jsonschema always brings ruamel.yaml
        from ruamel.yaml import YAML

        return YAML(typ="safe").load(text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return _load_yaml(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f".env.example: not KEY=value: {line!r}"
        values[key.strip()] = value.strip()
    return values


def _check_jsonschema() -> str:
    exe = Path(sys.executable).with_name("check-jsonschema")
    if exe.exists():
        return str(exe)
    found = shutil.which("check-jsonschema")
    if not found:
        pytest.fail("check-jsonschema is not installed (it is in the project's [test] extra)")
    return found


def test_check_jsonschema_ships_compose_schema():
    out = subprocess.run([_check_jsonschema(), "--help"], capture_output=True, text=True, check=True).stdout
    assert "vendor.compose-spec" in out


def test_compose_file_matches_compose_spec():
    proc = subprocess.run(
        [_check_jsonschema(), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_expected_services_and_volumes(compose, services):
    assert {"web", "worker", "beat", "migrate", "postgres", "redis", "minio", "createbuckets"} <= set(services)
    assert {"postgres-data", "redis-data", "minio-data", "media-scratch"} <= set(compose.get("volumes") or {})
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert "--appendonly yes" in " ".join(map(str, services["redis"]["command"]))
    assert services["minio"]["image"].startswith("minio/minio")
    assert services["createbuckets"]["image"].startswith("minio/mc")
    web = " ".join(services["web"]["command"])
    assert "gunicorn portal.wsgi:application" in web
    # Threaded workers, as the tests' server runs: a sync worker is held for a whole upload chunk.
    assert "--worker-class gthread" in web and "--threads" in web
    assert " ".join(services["worker"]["command"]).startswith("celery -A portal worker -l info --concurrency 2")
    assert " ".join(services["beat"]["command"]).startswith("celery -A portal beat -l info")
    assert services["migrate"]["command"][:2] == ["sh", "-ec"]
    assert services["migrate"]["command"][2] == "python manage.py migrate --noinput && python manage.py grant_app_role portal_app"
    assert any(str(v).startswith("media-scratch:") for v in services["worker"].get("volumes", []))


def _one_shots(services) -> set[str]:
    """Services that others wait on to *complete*, and that are never restarted."""
    waited = set()
    for svc in services.values():
        deps = svc.get("depends_on") or {}
        if isinstance(deps, dict):
            waited |= {n for n, d in deps.items() if (d or {}).get("condition") == "service_completed_successfully"}
    return {n for n in waited if str(services[n].get("restart", "no")) == "no"}


def test_every_service_is_health_checked_or_one_shot(services):
    one_shots = _one_shots(services)
    assert {"migrate", "createbuckets"} <= one_shots
    for name, svc in services.items():
        if name in one_shots:
            assert "healthcheck" not in svc or svc["healthcheck"].get("disable"), name
            continue
        hc = svc.get("healthcheck")
        assert hc and hc.get("test") and not hc.get("disable"), f"{name}: no healthcheck"
        assert hc["test"][0] in ("CMD", "CMD-SHELL"), name


def test_web_healthcheck_probes_healthz(services):
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])


def test_dependencies_wait_for_health(services):
    for name in ("web", "worker", "beat", "migrate"):
        deps = services[name]["depends_on"]
        for infra in ("postgres", "redis", "minio"):
            assert deps[infra]["condition"] == "service_healthy", f"{name} -> {infra}"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["createbuckets"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_app_services_read_secrets_from_env_file(services):
    for name in APP_SERVICES:
        env_file = services[name].get("env_file")
        files = [env_file] if isinstance(env_file, str) else [e if isinstance(e, str) else e["path"] for e in env_file]
        assert ".env" in files, name


def _environment(svc) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


def test_no_inline_secrets(services):
    problems = []
    for name, svc in services.items():
        for key, value in _environment(svc).items():
            if SECRET_NAME_RE.search(key) and value and not PURE_INTERPOLATION_RE.match(value):
                problems.append(f"{name}.environment.{key} is inline")
    text = COMPOSE.read_text(encoding="utf-8")
    for m in URL_CREDENTIALS_RE.finditer(text):
        if "$" not in m.group(0):
            problems.append(f"credentials in a URL: {m.group(0)}")
    for line in text.splitlines():
        if re.search(r"change-me|minioadmin|(PASSWORD|SECRET)[A-Z_]*\s*[:=]\s*[\"']?[A-Za-z0-9]", line) and "${" not in line:
            problems.append(f"looks like a secret value: {line.strip()}")
    assert not problems, "\n".join(problems)


def _strings(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


def test_env_example_lists_every_variable(compose, env_example):
    interpolated = {name for s in _strings(compose) for name in INTERPOLATION_RE.findall(s)}
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD"} <= interpolated
    missing = (APP_VARIABLES | interpolated) - set(env_example)
    assert not missing, f".env.example lacks: {sorted(missing)}"
    assert env_example["DJANGO_SETTINGS_MODULE"] == "portal.settings"
    assert env_example["DJANGO_ENV"] == "production"
    assert env_example["STORAGE_BACKEND"] == "s3"
    assert env_example["DATABASE_URL"].startswith("postgres://")


def test_env_example_holds_placeholders_only(env_example):
    for key, value in env_example.items():
        if SECRET_NAME_RE.search(key):
            assert "change-me" in value, f".env.example: {key} must be a placeholder"
        for m in URL_CREDENTIALS_RE.finditer(value):
            assert "change-me" in m.group(0), f".env.example: {key} embeds credentials"


def test_env_and_secrets_are_not_in_build_context_or_git():
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignore
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore


def test_dockerfile(compose):
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", text, re.M)
    assert re.search(r"apt-get install[^\n]*\bffmpeg\b", text)
    assert re.search(r"^RUN pip install --no-deps --require-hashes -r requirements/web\.lock$", text, re.M)
    assert re.search(r"manage\.py collectstatic --noinput", text)
    assert re.search(r"^EXPOSE 8000$", text, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", text, re.M)
    assert cmd and json.loads(cmd.group(1)) == compose["services"]["web"]["command"]  # one way to serve
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must run as a non-root user"



def test_the_web_command_loads_its_gunicorn_hooks(services):
    command = services["web"]["command"]
    assert "--config" in command and (ROOT / command[command.index("--config") + 1]).is_file()
    check = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), *command[1:], "--check-config"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

def _url_user(url: str) -> str:
    return re.match(r"postgres(?:ql)?://([^:@/]+)", url).group(1)


def test_migrations_run_as_the_owner_and_the_app_as_a_role_that_owns_nothing(services, env_example):
    assert _environment(services["migrate"])["DATABASE_URL"].startswith("${MIGRATE_DATABASE_URL")
    for name in ("web", "worker", "beat"):
        assert "DATABASE_URL" not in _environment(services[name]), f"{name} must use the app role from .env"
    app, owner = _url_user(env_example["DATABASE_URL"]), _url_user(env_example["MIGRATE_DATABASE_URL"])
    assert (app, owner) == ("portal_app", "portal_owner")
    assert env_example["POSTGRES_USER"] not in (app, owner), "the superuser is for the container only"
    assert "grant_app_role portal_app" in services["migrate"]["command"][-1]


def test_the_postgres_init_script_creates_both_roles_without_superuser_rights(services):
    mounts = [str(v) for v in services["postgres"]["volumes"]]
    mount = next(v for v in mounts if v.split(":")[1] == "/docker-entrypoint-initdb.d")
    folder = ROOT / mount.split(":")[0]
    [script] = sorted(folder.glob("*.sh"))
    text = script.read_text(encoding="utf-8")
    for role in ("portal_owner", "portal_app"):
        assert re.search(rf"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE", text), role
    assert 'ALTER DATABASE :"db" OWNER TO portal_owner' in text
    assert "REVOKE CREATE ON SCHEMA public FROM PUBLIC" in text
    env = _environment(services["postgres"])
    for var in ("POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD"):
        assert var in env and f'"${var}"' in text, var


def test_only_the_worker_image_carries_the_detection_libraries(services):
    """The web, beat and migrate containers run the `web` target, installed from web.lock, which
    holds none of the worker extra; the Celery workers run the `worker` target on top of it."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    stages = {name: base for base, name in re.findall(r"^FROM (\S+) AS (\S+)$", text, re.M)}
    assert stages == {"web": "python:3.11-slim-bookworm", "worker": "web"}
    assert "-r requirements/worker.lock" in text.split("AS worker", 1)[1]
    for name in ("web", "beat", "migrate"):
        assert services[name]["build"]["target"] == "web", name
    assert services["worker"]["build"]["target"] == "worker"
    assert services["worker"]["image"] != services["web"]["image"]
    web_lock = (ROOT / "requirements" / "web.lock").read_text(encoding="utf-8").lower()
    for library in ("numpy", "opencv-python-headless", "onnxruntime", "openvino", "dlib-bin"):
        assert not re.search(rf"^{library}==", web_lock, re.M), library


def test_the_build_context_holds_every_package_the_app_imports():
    ignored = {line.strip().strip("/") for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    for package in ("media", "redaction", "portal", "footage", "releases", "incidents", "public", "transparency"):
        assert (ROOT / package / "__init__.py").exists() and package not in ignored, package

"""Each pytest-xdist worker's test database is a copy of one database the migrations built once per
run, as `manage.py test --parallel` does.

The first worker to get here migrates `test_<NAME>`; every worker then makes its own,
`test_<NAME>_gw0`, `test_<NAME>_gw1`..., with CREATE DATABASE ... TEMPLATE (Django's
clone_test_db). The copy has everything the migrations wrote: role groups, content types,
permissions, the append-only triggers. The migrated database is left for the throwaway server
(scripts/testenv.py) to remove; a later run on a kept server replaces it.
"""

from __future__ import annotations

from pathlib import Path

from tests.render_cache import _alone


def create_worker_database(worker: str, shared: Path, verbosity: int) -> str:
    """Point the default connection at this worker's copy of the migrated database, made first
    if no worker has made it in this run; returns the name to restore at the end. Without xdist
    (no worker) the one test database is the migrated one."""
    from django.conf import settings
    from django.db import connection

    creation = connection.creation
    original_name = connection.settings_dict["NAME"]
    if not worker:
        creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
        return original_name
    migrated = shared / "test-database-migrated"
    with _alone(shared / "test-database.lock"):
        if migrated.exists():
            name = creation._get_test_db_name()
            settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = name
        else:
            creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
            migrated.touch()
        creation.clone_test_db(suffix=worker, verbosity=verbosity)
    copy = creation.get_test_db_clone_settings(worker)["NAME"]
    settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = copy
    return original_name


def destroy_worker_database(original_name: str, verbosity: int) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(original_name, verbosity)

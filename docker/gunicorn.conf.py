"""The web container's gunicorn hooks; its command line (Dockerfile CMD, the same in
docker-compose.yml) holds the settings. bench/public_load.py starts gunicorn with both."""

from __future__ import annotations

import os
import sys


def post_fork(server, worker):
    # A request thread woken by its socket waits for the GIL up to the switch interval while another
    # thread of the worker runs; a public answer takes a fraction of the default 5 ms.
    sys.setswitchinterval(float(os.environ.get("WEB_SWITCH_INTERVAL_MS", "1")) / 1000)

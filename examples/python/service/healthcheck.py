"""Readiness: before_start ran (its marker exists) and the server answers on 127.0.0.1:8080."""

import os
import sys
import urllib.request

if not os.path.exists("/run/service/started"):
    sys.exit("before_start marker missing")
try:
    with urllib.request.urlopen("http://127.0.0.1:8080/", timeout=1) as r:
        sys.exit(0 if r.status == 200 else 1)
except OSError as e:
    sys.exit(f"not ready: {e}")

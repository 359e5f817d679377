"""after_start: ready once the server answers /health inside the guest."""

import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=1) as r:
        sys.exit(0 if r.status == 200 else 1)
except OSError as e:
    sys.exit(f"not ready: {e}")

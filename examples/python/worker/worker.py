"""Processes a fixed batch and reports it on stdout."""

import json
import os

batch = int(os.environ.get("WORKER_BATCH", "1"))
print(json.dumps({"processed": batch, "squares": [i * i for i in range(batch)]}))

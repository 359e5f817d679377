# A record-mode script: no @mvm.app declaration, a Sandbox driven imperatively. `mvmctl compile`
# runs it on the host with MVM_SDK_MODE=record and lowers what it recorded.
import os

import mvm

sb = mvm.Sandbox.create(
    "python-3.12",
    workload_id="etl-py",
    env={"MODEL": "/data/m.pt"},
    include=["*.py"],
    tags={"job": "nightly"},
    ttl=1800,
)
sb.files.write("/app/cfg.json", '{"a":1}')
sb.commands.start(["python3", "setup.py"])
sb.commands.start(["python3", "run.py"], env={"LOG": "1"})
sb.kill()
# Proof that this file really ran (on the host): the test checks for this marker.
if os.environ.get("MVM_TEST_MARKER"):
    with open(os.environ["MVM_TEST_MARKER"], "w") as f:
        f.write("ran")

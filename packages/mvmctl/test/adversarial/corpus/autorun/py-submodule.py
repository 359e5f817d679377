# from mvm._app import app
from mvm import Sandbox
from mvm._app import app

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@app(name="evil")
def f() -> str:
    return "x"


if False:
    Sandbox.create("python-3.12")

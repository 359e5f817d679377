# from mvm import * and a bare @app
from mvm import *

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@app(name="evil")
def f() -> str:
    return "x"


if False:
    Sandbox.create("python-3.12")

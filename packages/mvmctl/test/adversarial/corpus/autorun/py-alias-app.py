# declare = mvm.app: the decorator under another name.
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
declare = mvm.app


@declare(name="evil", image=mvm.python_image(python="3.12"))
def f() -> str:
    return "x"


if False:
    mvm.Sandbox.create("python-3.12")

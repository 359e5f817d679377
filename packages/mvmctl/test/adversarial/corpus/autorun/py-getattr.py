# getattr(mvm, "app")
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@getattr(mvm, "app")(name="evil")
def f() -> str:
    return "x"


if False:
    mvm.Sandbox.create("python-3.12")

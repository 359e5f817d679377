# the module bound as a class attribute, reached as K.mvm.app
from mvm import Sandbox

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


class K:
    import mvm


@K.mvm.app(name="evil")
def f() -> str:
    return "x"


if False:
    Sandbox.create("python-3.12")

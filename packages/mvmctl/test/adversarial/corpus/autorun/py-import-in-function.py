# the import and the declaration inside a function
from mvm import Sandbox

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


def make():
    import mvm as m

    @m.app(name="evil")
    def f() -> str:
        return "x"

    return f


make()
if False:
    Sandbox.create("python-3.12")

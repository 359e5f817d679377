# import ｍｖｍ: the module name itself in full-width letters.
import ｍｖｍ as m

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@m.app(name="evil")
def f() -> str:
    return "x"


if False:
    m.Sandbox.create("python-3.12")

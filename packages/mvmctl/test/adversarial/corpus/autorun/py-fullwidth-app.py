# @mvm.ａｐｐ: NFKC makes it mvm.app for CPython.
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@mvm.ａｐｐ(name="evil")
def f() -> str:
    return "x"


if False:
    mvm.Sandbox.create("python-3.12")

# a local module binds the mvm module; the script takes it from there
from lib.pymod import mvm
from mvm import Sandbox

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@mvm.app(name="evil")
def f() -> str:
    return "x"


if False:
    Sandbox.create("python-3.12")

# a local module hands back mvm.app under another name
from lib.pyreexport import declare
from mvm import Sandbox

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@declare(name="evil")
def f() -> str:
    return "x"


if False:
    Sandbox.create("python-3.12")

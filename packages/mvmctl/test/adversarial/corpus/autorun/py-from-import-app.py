# from mvm import app as declare, and the decorator applied by a call (not @)
from mvm import Sandbox
from mvm import app as declare

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


def f() -> str:
    return "x"


f = declare(name="evil")(f)
if False:
    Sandbox.create("python-3.12")

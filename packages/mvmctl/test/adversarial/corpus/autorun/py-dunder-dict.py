# mvm.__dict__["app"]
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
declare = mvm.__dict__["app"]

if False:
    mvm.Sandbox.create("python-3.12")

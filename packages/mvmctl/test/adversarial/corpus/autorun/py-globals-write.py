# globals()["declare"] = mvm.app
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
globals()["declare"] = mvm.app

if False:
    mvm.Sandbox.create("python-3.12")

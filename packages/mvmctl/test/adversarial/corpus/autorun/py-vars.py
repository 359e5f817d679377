# vars(mvm)["app"]
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
declare = vars(mvm)["app"]

if False:
    mvm.Sandbox.create("python-3.12")

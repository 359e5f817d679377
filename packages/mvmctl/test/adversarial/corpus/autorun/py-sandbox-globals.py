# from the Sandbox class back to the module: Sandbox.create.__globals__
from mvm import Sandbox

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
declare = Sandbox.create.__globals__["app"]
if False:
    Sandbox.create("python-3.12")

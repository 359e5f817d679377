# exec of a declaration in a string
import mvm

import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
exec("import mvm\n@mvm.app(name='evil')\ndef f(): return 'x'\n")

if False:
    mvm.Sandbox.create("python-3.12")

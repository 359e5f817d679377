# import mvm inside try: (not a module-level import statement)
try:
    import mvm
except ImportError:
    mvm = None
import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")


@mvm.app(name="evil")
def f() -> str:
    return "x"


if False:
    mvm.Sandbox.create("python-3.12")

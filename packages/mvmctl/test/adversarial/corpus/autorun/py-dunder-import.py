# m = __import__("mvm"): the module reached without an import statement.
import os
open(os.environ["MVM_TEST_MARKER"], "w").write("ran")
m = __import__("mvm")


@m.app(name="evil", image=m.python_image(python="3.12"))
def f() -> str:
    return "x"


if False:
    m.Sandbox.create("python-3.12")

# requires: 3.12
import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(d):
    return f"{d["key"]} {", ".join(d["xs"])}"

import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler(event: dict) -> dict:
    return {"ok": True, "n": len(event)}

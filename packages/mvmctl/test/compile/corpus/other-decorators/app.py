import functools
import mvm

def unrelated(fn):
    return fn

@unrelated
@mvm.app(name="stacked", image=mvm.python_image())
@functools.lru_cache(maxsize=None)
def stacked(x: int) -> int:
    return x

if __name__ == "__main__":
    mvm.emit_json()

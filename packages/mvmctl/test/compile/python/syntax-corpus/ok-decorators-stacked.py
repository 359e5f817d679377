import functools
import mvm


@mvm.app(
    name="syn",
    image=mvm.python_image(),
)
@functools.lru_cache(maxsize=None)
def handler(e):
    return e

# requires: 3.12
import mvm


@mvm.app(name="syn", image=mvm.python_image())
def handler[T](xs: list[T]) -> T:
    return xs[0]


type Pair[K] = tuple[K, K]


class Box[T]:
    item: T

# A declaration with comments everywhere the grammar allows them.
import mvm  # the SDK

@mvm.app(  # opening
    # the name
    name=("commented"),  # parenthesized literal
    image=mvm.python_image(
        python="3.12",  # version
        packages=[
            "ripgrep",  # a tool
            # nothing here
        ],
    ),
)
def commented() -> None:  # the body is never read
    raise RuntimeError("never runs at compile time")

if __name__ == "__main__":
    mvm.emit_json()

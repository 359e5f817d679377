import mvm
from mvm import *
@app(name="star", image=nix_packages(["python311", "jq"]), network=network(), dependencies=no_deps())
def star() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()

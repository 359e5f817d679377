import mvm as m
import mvm
@m.app(name="aliased", image=m.python_image(python="3.11"), resources=m.resources(memory_mb=128))
def handler(event: dict) -> dict:
    return event

if __name__ == "__main__":
    mvm.emit_json()

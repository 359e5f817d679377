import mvm
@mvm.app(
    name="cmd",
    image=mvm.python_image(),
    entrypoint=mvm.entrypoint(command=["python3", "-u", "/srv/main.py"], working_dir="/srv", env={"PYTHONUNBUFFERED": "1", "MODE": "batch"}),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()

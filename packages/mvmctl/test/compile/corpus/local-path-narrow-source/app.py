import mvm
@mvm.app(
    name="narrow-source",
    source=mvm.local_path("./service", include=("**/*.py", "requirements.txt"), exclude=["**/__pycache__/**", "tests/**"]),
    image=mvm.python_image(),
    entrypoint=mvm.entrypoint_function(module="main", function="handle", primary=True),
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()

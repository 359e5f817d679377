import mvm
@mvm.app(
    name="with-addons",
    image=mvm.python_image(),
    addons=[
        {"name": "otel", "hooks": {"before_start": "echo otel", "after_start": ["curl", "-fsS", "http://127.0.0.1:4318/"]}},
        {"name": "plain"},
    ],
    before_start="echo app",
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()

import mvm
@mvm.app(
    name="secrets",
    image=mvm.python_image(),
    env={
        "GITHUB_TOKEN": mvm.secret("gh-token", var="GH_TOKEN", type="basic", hosts=["api.github.com", "uploads.github.com"]),
        "SIGNER": mvm.secret(name="hmac-key", type="hmac", hosts=["hooks.example.com"]),
        "PLAIN": "value",
    },
)
def f() -> None:
    pass

if __name__ == "__main__":
    mvm.emit_json()

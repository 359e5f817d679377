import mvm


# A tool with a managed secret and a closed network. The secret names the only host it may be
# released to; with the network closed, the guest itself cannot reach any host.
@mvm.app(
    name="agent-tool",
    source=mvm.local_path(".", include=["app.py"]),
    image=mvm.python_image(python="3.12"),
    resources=mvm.resources(cpu_cores=1, memory_mb=256),
    network=mvm.network(mode="deny"),
    env={
        "MODEL": mvm.literal("gpt-4.1-mini"),
        "OPENAI_API_KEY": mvm.secret("openai-api-key", hosts=["api.openai.com"]),
    },
    entrypoint=mvm.entrypoint_function(module="app", function="run", primary=True),
)
def run(prompt: str) -> dict:
    import os

    # The guest sees an opaque token, never the secret's value.
    return {"answer": prompt.upper(), "model": os.environ.get("MODEL"), "has_key": bool(os.environ.get("OPENAI_API_KEY"))}


if __name__ == "__main__":
    mvm.emit_json()

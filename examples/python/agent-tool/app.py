import json
import os

import mvm


# A tool with a managed secret and a closed network. The secret names the only host it may be
# released to; with the network closed (no NIC), the guest itself cannot reach any host. The call
# goes through mvm.web_fetch: the host makes it and puts the key's value in place of the token,
# only for api.openai.com (docs/fetch.md).
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
    # The guest sees an opaque token (mvm-secret-...), never the secret's value.
    token = os.environ["OPENAI_API_KEY"]
    try:
        r = mvm.web_fetch(
            "https://api.openai.com/v1/responses",
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            body=json.dumps({"model": os.environ.get("MODEL"), "input": prompt}),
            timeout=60,
        )
    except mvm.FetchError as e:
        return {"error": e.code, "message": e.message}
    return {"status": r.status, "answer": r.json() if r.status == 200 else r.text[:500]}


if __name__ == "__main__":
    mvm.emit_json()
